import CSodium

/// One direction of `crypto_secretstream_xchacha20poly1305`: an ordered stream of authenticated
/// records. A record that is replayed, reordered, dropped, truncated or altered fails to open.
///
/// ``Push`` and ``Pull`` are values: a copy has its own key state, advanced only by its own
/// records (copy on write; the C state lives in a ``StreamState`` that is wiped when released).
/// Two copies of a `Push` therefore seal the same next record under the same nonce, so a
/// sender must keep one copy and drop the others; keeping them apart is what stops a copy from
/// silently stealing records from, or interleaving nonces with, the original.
public enum SecretStream {
    /// Size of the stream header the pushing side sends first.
    public static var headerLength: Int { crypto_secretstream_xchacha20poly1305_headerbytes() }
    /// Bytes a record adds to its message.
    public static var overhead: Int { crypto_secretstream_xchacha20poly1305_abytes() }
    /// Size of a key.
    public static var keyLength: Int { crypto_secretstream_xchacha20poly1305_keybytes() }

    /// The tag of a record.
    public enum Tag: Sendable, Equatable {
        case message, final

        var raw: UInt8 { UInt8(self == .final ? crypto_secretstream_xchacha20poly1305_tag_final() : crypto_secretstream_xchacha20poly1305_tag_message()) }
    }

    /// The sending side.
    public struct Push: Sendable {
        private var state: StreamState
        /// The header to send before the first record.
        public let header: [UInt8]

        /// Starts a stream under `key`.
        public init(key: SecretBytes) throws(SodiumError) {
            try Sodium.ensureInitialised()
            try SodiumError.check(0..<key.count, is: SecretStream.keyLength, "secretstream key")
            var header = [UInt8](repeating: 0, count: SecretStream.headerLength)
            let state = StreamState()
            let result = header.withUnsafeMutableBytes { h in
                key.withUnsafeBytes { k in crypto_secretstream_xchacha20poly1305_init_push(state.pointer, h.bytes, k.bytes) }
            }
            guard result == 0 else { throw .operationFailed("crypto_secretstream_xchacha20poly1305_init_push") }
            self.header = header
            self.state = state
        }

        /// Encrypts the next record.
        public mutating func push(_ message: [UInt8], tag: Tag = .message) throws(SodiumError) -> [UInt8] {
            if !isKnownUniquelyReferenced(&state) { state = state.copy() }
            var out = [UInt8](repeating: 0, count: message.count + SecretStream.overhead)
            let pointer = state.pointer
            let result = out.withUnsafeMutableBytes { o in
                message.withUnsafeBytes { m in
                    crypto_secretstream_xchacha20poly1305_push(pointer, o.bytes, nil, m.bytes, UInt64(m.count), nil, 0, tag.raw)
                }
            }
            guard result == 0 else { throw .operationFailed("crypto_secretstream_xchacha20poly1305_push") }
            return out
        }
    }

    /// The receiving side.
    public struct Pull: Sendable {
        private var state: StreamState

        /// Starts reading a stream from its header.
        public init(key: SecretBytes, header: [UInt8]) throws(SodiumError) {
            try Sodium.ensureInitialised()
            try SodiumError.check(0..<key.count, is: SecretStream.keyLength, "secretstream key")
            try SodiumError.check(header, is: SecretStream.headerLength, "secretstream header")
            let state = StreamState()
            let result = header.withUnsafeBytes { h in
                key.withUnsafeBytes { k in crypto_secretstream_xchacha20poly1305_init_pull(state.pointer, h.bytes, k.bytes) }
            }
            guard result == 0 else { throw .authenticationFailed }
            self.state = state
        }

        /// Decrypts the next record; throws ``SodiumError/authenticationFailed`` for anything but the next genuine one.
        public mutating func pull(_ record: [UInt8]) throws(SodiumError) -> (message: [UInt8], tag: Tag) {
            guard record.count >= SecretStream.overhead else { throw .authenticationFailed }
            if !isKnownUniquelyReferenced(&state) { state = state.copy() }
            var out = [UInt8](repeating: 0, count: record.count - SecretStream.overhead)
            var tag: UInt8 = 0
            let pointer = state.pointer
            let result = out.withUnsafeMutableBytes { o in
                record.withUnsafeBytes { r in
                    crypto_secretstream_xchacha20poly1305_pull(pointer, o.bytes, nil, &tag, r.bytes, UInt64(r.count), nil, 0)
                }
            }
            guard result == 0 else { throw .authenticationFailed }
            return (out, tag == Tag.final.raw ? .final : .message)
        }
    }
}

/// The C state of one stream direction, in memory of its own that is wiped on release. Only
/// ``SecretStream/Push`` and ``SecretStream/Pull`` touch it, and they write only to a state no
/// other value refers to (copying it first otherwise), which is what makes sharing it safe.
final class StreamState: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<crypto_secretstream_xchacha20poly1305_state>

    init() {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: crypto_secretstream_xchacha20poly1305_state())
    }

    /// A new state with the same contents, copied in place (no stack temporary to wipe).
    func copy() -> StreamState {
        let copy = StreamState()
        copy.pointer.update(from: pointer, count: 1)
        return copy
    }

    deinit {
        sodium_memzero(pointer, MemoryLayout<crypto_secretstream_xchacha20poly1305_state>.size)
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }
}
