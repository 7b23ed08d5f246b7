import CSodium

/// Symmetric authenticated encryption (`crypto_secretbox_easy`, XSalsa20-Poly1305).
///
/// Sealed messages are `nonce || ciphertext`, with a fresh random nonce each time.
public enum SecretBox {
    /// Size of a key.
    public static var keyLength: Int { crypto_secretbox_keybytes() }
    /// Size of a nonce.
    public static var nonceLength: Int { crypto_secretbox_noncebytes() }
    /// Size of the authentication tag.
    public static var macLength: Int { crypto_secretbox_macbytes() }

    /// Encrypts `message` under `key`; returns `nonce || ciphertext`.
    public static func seal(_ message: SecretBytes, key: SecretBytes) throws(SodiumError) -> [UInt8] {
        try Sodium.ensureInitialised()
        try SodiumError.check(0..<key.count, is: keyLength, "secretbox key")
        let nonce = RandomBytes.bytes(nonceLength)
        var out = nonce + [UInt8](repeating: 0, count: macLength + message.count)
        let result = out.withUnsafeMutableBytes { o in
            message.withUnsafeBytes { m in
                key.withUnsafeBytes { k in
                    crypto_secretbox_easy(
                        o.bytes + nonceLength,
                        m.bytes, UInt64(m.count),
                        UnsafePointer(o.bytes), k.bytes
                    )
                }
            }
        }
        guard result == 0 else { throw .operationFailed("crypto_secretbox_easy") }
        return out
    }

    /// Decrypts `nonce || ciphertext` sealed by ``seal(_:key:)``.
    public static func open(_ sealed: [UInt8], key: SecretBytes) throws(SodiumError) -> SecretBytes {
        try Sodium.ensureInitialised()
        try SodiumError.check(0..<key.count, is: keyLength, "secretbox key")
        guard sealed.count >= nonceLength + macLength else { throw .authenticationFailed }
        return try SecretBytes(count: sealed.count - nonceLength - macLength) { (out: UnsafeMutableRawBufferPointer) throws(SodiumError) in
            let result = sealed.withUnsafeBytes { s in
                key.withUnsafeBytes { k in
                    crypto_secretbox_open_easy(
                        out.bytes,
                        s.bytes + nonceLength, UInt64(s.count - nonceLength),
                        s.bytes, k.bytes
                    )
                }
            }
            guard result == 0 else { throw .authenticationFailed }
        }
    }
}
