import CSodium

/// BLAKE2b hashing (`crypto_generichash`), optionally keyed, one-shot or streaming.
public struct GenericHash: ~Copyable {
    private let state: UnsafeMutableRawBufferPointer
    private let outputLength: Int

    /// Default output size (32 bytes).
    public static var defaultLength: Int { crypto_generichash_bytes() }
    /// Largest key size.
    public static var maxKeyLength: Int { crypto_generichash_keybytes_max() }

    /// Starts a hash of `outputLength` bytes, keyed when `key` is given.
    public init(outputLength: Int = GenericHash.defaultLength, key: SecretBytes? = nil) throws(SodiumError) {
        try Sodium.ensureInitialised()
        guard outputLength >= crypto_generichash_bytes_min(), outputLength <= crypto_generichash_bytes_max() else {
            throw .invalidLength(what: "generichash output", expected: crypto_generichash_bytes(), actual: outputLength)
        }
        if let key, key.count > Self.maxKeyLength || key.count < crypto_generichash_keybytes_min() {
            throw .invalidLength(what: "generichash key", expected: crypto_generichash_keybytes(), actual: key.count)
        }
        let state = UnsafeMutableRawBufferPointer.allocate(byteCount: crypto_generichash_statebytes(), alignment: 64)
        let pointer = OpaquePointer(state.baseAddress!)
        let result = key.map { key in
            key.withUnsafeBytes { k in crypto_generichash_init(pointer, k.bytes, k.count, outputLength) }
        } ?? crypto_generichash_init(pointer, nil, 0, outputLength)
        guard result == 0 else {
            state.deallocate()
            throw .operationFailed("crypto_generichash_init")
        }
        self.state = state
        self.outputLength = outputLength
    }

    deinit {
        sodium_memzero(state.baseAddress, state.count)
        state.deallocate()
    }

    /// Absorbs more input.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Absorbs secret input.
    public mutating func update(_ secret: SecretBytes) {
        secret.withUnsafeBytes { update($0) }
    }

    /// Absorbs raw input.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        _ = crypto_generichash_update(OpaquePointer(state.baseAddress!), bytes.bytes, UInt64(bytes.count))
    }

    /// Finishes the hash; the state is wiped when the value is consumed.
    public consuming func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: outputLength)
        out.withUnsafeMutableBytes { o in
            _ = crypto_generichash_final(OpaquePointer(state.baseAddress!), o.bytes, outputLength)
        }
        return out
    }

    /// Finishes the hash into wiped-on-release storage, for derived keys.
    public consuming func finalizeSecret() -> SecretBytes {
        var out = finalize()
        defer { ConstantTime.wipe(&out) }
        return SecretBytes(out)
    }

    /// One-shot hash of `input`.
    public static func hash(_ input: [UInt8], outputLength: Int = defaultLength, key: SecretBytes? = nil) throws(SodiumError) -> [UInt8] {
        var h = try GenericHash(outputLength: outputLength, key: key)
        h.update(input)
        return h.finalize()
    }
}
