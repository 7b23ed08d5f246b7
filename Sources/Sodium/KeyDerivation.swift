import CSodium

/// Subkey derivation from a master key (`crypto_kdf`).
public enum KeyDerivation {
    /// Size of a master key.
    public static var masterKeyLength: Int { crypto_kdf_keybytes() }
    /// Size of a context string.
    public static var contextLength: Int { crypto_kdf_contextbytes() }

    /// Derives subkey number `id` of `length` bytes for an 8-character `context`.
    public static func derive(
        length: Int,
        id: UInt64,
        context: String,
        from masterKey: SecretBytes
    ) throws(SodiumError) -> SecretBytes {
        try Sodium.ensureInitialised()
        let ctx = Array(context.utf8)
        try SodiumError.check(ctx, is: contextLength, "KDF context")
        try SodiumError.check(0..<masterKey.count, is: masterKeyLength, "KDF master key")
        guard length >= crypto_kdf_bytes_min(), length <= crypto_kdf_bytes_max() else {
            throw .invalidLength(what: "KDF subkey", expected: crypto_kdf_bytes_max(), actual: length)
        }
        return try SecretBytes(count: length) { (out: UnsafeMutableRawBufferPointer) throws(SodiumError) in
            let result = masterKey.withUnsafeBytes { key in
                ctx.withUnsafeBytes { c in
                    crypto_kdf_derive_from_key(
                        out.bytes, length, id,
                        c.chars, key.bytes
                    )
                }
            }
            guard result == 0 else { throw .operationFailed("crypto_kdf_derive_from_key") }
        }
    }
}
