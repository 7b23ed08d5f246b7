import CSodium

/// Authenticated encryption with additional data (`crypto_aead_xchacha20poly1305_ietf_*`).
///
/// The caller chooses the nonce, so it must never use one nonce twice under one key (a fresh key
/// per message, as waiting messages have, makes a fixed nonce safe). The output is
/// `ciphertext || tag`; the additional data is authenticated but not sent.
public enum Aead {
    /// Size of a key.
    public static var keyLength: Int { crypto_aead_xchacha20poly1305_ietf_keybytes() }
    /// Size of a nonce.
    public static var nonceLength: Int { crypto_aead_xchacha20poly1305_ietf_npubbytes() }
    /// Size of the authentication tag appended to the ciphertext.
    public static var tagLength: Int { crypto_aead_xchacha20poly1305_ietf_abytes() }

    /// Encrypts secret `plaintext`; returns `ciphertext || tag`.
    public static func seal(_ plaintext: SecretBytes, ad: [UInt8], nonce: [UInt8], key: SecretBytes) throws(SodiumError) -> [UInt8] {
        try plaintext.withUnsafeBytes { (m: UnsafeRawBufferPointer) throws(SodiumError) in
            try seal(m, ad: ad, nonce: nonce, key: key)
        }
    }

    /// Encrypts `plaintext`; returns `ciphertext || tag`.
    public static func seal(_ plaintext: [UInt8], ad: [UInt8], nonce: [UInt8], key: SecretBytes) throws(SodiumError) -> [UInt8] {
        try plaintext.withUnsafeBytes { m in Result { () throws(SodiumError) in try seal(m, ad: ad, nonce: nonce, key: key) } }.get()
    }

    /// Decrypts `ciphertext || tag` sealed with the same additional data, nonce and key; throws
    /// ``SodiumError/authenticationFailed`` when anything differs or was altered.
    public static func open(_ ciphertext: [UInt8], ad: [UInt8], nonce: [UInt8], key: SecretBytes) throws(SodiumError) -> SecretBytes {
        try check(nonce: nonce, key: key)
        guard ciphertext.count >= tagLength else { throw .authenticationFailed }
        return try SecretBytes(count: ciphertext.count - tagLength) { (out: UnsafeMutableRawBufferPointer) throws(SodiumError) in
            var written: UInt64 = 0
            let result = ciphertext.withUnsafeBytes { c in
                ad.withUnsafeBytes { a in
                    nonce.withUnsafeBytes { n in
                        key.withUnsafeBytes { k in
                            crypto_aead_xchacha20poly1305_ietf_decrypt(
                                out.bytes, &written, nil,
                                c.bytes, UInt64(c.count),
                                a.bytes, UInt64(a.count),
                                n.bytes, k.bytes
                            )
                        }
                    }
                }
            }
            guard result == 0, written == UInt64(out.count) else { throw .authenticationFailed }
        }
    }

    private static func seal(_ m: UnsafeRawBufferPointer, ad: [UInt8], nonce: [UInt8], key: SecretBytes) throws(SodiumError) -> [UInt8] {
        try check(nonce: nonce, key: key)
        var out = [UInt8](repeating: 0, count: m.count + tagLength)
        var written: UInt64 = 0
        let result = out.withUnsafeMutableBytes { o in
            ad.withUnsafeBytes { a in
                nonce.withUnsafeBytes { n in
                    key.withUnsafeBytes { k in
                        crypto_aead_xchacha20poly1305_ietf_encrypt(
                            o.bytes, &written,
                            m.bytes, UInt64(m.count),
                            a.bytes, UInt64(a.count),
                            nil, n.bytes, k.bytes
                        )
                    }
                }
            }
        }
        guard result == 0, written == UInt64(out.count) else { throw .operationFailed("crypto_aead_xchacha20poly1305_ietf_encrypt") }
        return out
    }

    private static func check(nonce: [UInt8], key: SecretBytes) throws(SodiumError) {
        try Sodium.ensureInitialised()
        try SodiumError.check(0..<key.count, is: keyLength, "aead key")
        try SodiumError.check(nonce, is: nonceLength, "aead nonce")
    }
}
