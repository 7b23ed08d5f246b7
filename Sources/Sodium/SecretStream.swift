import CSodium

/// One direction of `crypto_secretstream_xchacha20poly1305`: an ordered stream of authenticated
/// records. A record that is replayed, reordered, dropped, truncated or altered fails to open.
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

    /// The sending side. Not thread-safe: one owner at a time.
    public final class Push: @unchecked Sendable {
        private var state = crypto_secretstream_xchacha20poly1305_state()
        /// The header to send before the first record.
        public let header: [UInt8]

        /// Starts a stream under `key`.
        public init(key: SecretBytes) throws(SodiumError) {
            try Sodium.ensureInitialised()
            try SodiumError.check(0..<key.count, is: SecretStream.keyLength, "secretstream key")
            var header = [UInt8](repeating: 0, count: SecretStream.headerLength)
            var state = crypto_secretstream_xchacha20poly1305_state()
            let result = header.withUnsafeMutableBytes { h in
                key.withUnsafeBytes { k in crypto_secretstream_xchacha20poly1305_init_push(&state, h.bytes, k.bytes) }
            }
            guard result == 0 else { throw .operationFailed("crypto_secretstream_xchacha20poly1305_init_push") }
            self.header = header
            self.state = state
            withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress, $0.count) }
        }

        /// Encrypts the next record.
        public func push(_ message: [UInt8], tag: Tag = .message) throws(SodiumError) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: message.count + SecretStream.overhead)
            let result = out.withUnsafeMutableBytes { o in
                message.withUnsafeBytes { m in
                    crypto_secretstream_xchacha20poly1305_push(&state, o.bytes, nil, m.bytes, UInt64(m.count), nil, 0, tag.raw)
                }
            }
            guard result == 0 else { throw .operationFailed("crypto_secretstream_xchacha20poly1305_push") }
            return out
        }

        deinit { withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress, $0.count) } }
    }

    /// The receiving side. Not thread-safe: one owner at a time.
    public final class Pull: @unchecked Sendable {
        private var state = crypto_secretstream_xchacha20poly1305_state()

        /// Starts reading a stream from its header.
        public init(key: SecretBytes, header: [UInt8]) throws(SodiumError) {
            try Sodium.ensureInitialised()
            try SodiumError.check(0..<key.count, is: SecretStream.keyLength, "secretstream key")
            try SodiumError.check(header, is: SecretStream.headerLength, "secretstream header")
            let result = header.withUnsafeBytes { h in
                key.withUnsafeBytes { k in crypto_secretstream_xchacha20poly1305_init_pull(&state, h.bytes, k.bytes) }
            }
            guard result == 0 else { throw .authenticationFailed }
        }

        /// Decrypts the next record; throws ``SodiumError/authenticationFailed`` for anything but the next genuine one.
        public func pull(_ record: [UInt8]) throws(SodiumError) -> (message: [UInt8], tag: Tag) {
            guard record.count >= SecretStream.overhead else { throw .authenticationFailed }
            var out = [UInt8](repeating: 0, count: record.count - SecretStream.overhead)
            var tag: UInt8 = 0
            let result = out.withUnsafeMutableBytes { o in
                record.withUnsafeBytes { r in
                    crypto_secretstream_xchacha20poly1305_pull(&state, o.bytes, nil, &tag, r.bytes, UInt64(r.count), nil, 0)
                }
            }
            guard result == 0 else { throw .authenticationFailed }
            return (out, tag == Tag.final.raw ? .final : .message)
        }

        deinit { withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress, $0.count) } }
    }
}
