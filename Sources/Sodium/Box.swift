import CSodium

/// Public-key authenticated encryption (`crypto_box_easy`: X25519, XSalsa20-Poly1305) with an
/// explicit nonce, as the peer handshake uses it.
public enum Box {
    /// Size of a nonce.
    public static var nonceLength: Int { crypto_box_noncebytes() }
    /// Size of the authentication tag.
    public static var macLength: Int { crypto_box_macbytes() }

    /// Encrypts `message` from `secretKey` to `publicKey`.
    public static func seal(_ message: [UInt8], nonce: [UInt8], to publicKey: [UInt8], from secretKey: SecretBytes) throws(SodiumError) -> [UInt8] {
        try check(nonce, publicKey, secretKey)
        var out = [UInt8](repeating: 0, count: message.count + macLength)
        let result = out.withUnsafeMutableBytes { o in
            message.withUnsafeBytes { m in
                nonce.withUnsafeBytes { n in
                    publicKey.withUnsafeBytes { pk in
                        secretKey.withUnsafeBytes { sk in
                            crypto_box_easy(o.bytes, m.bytes, UInt64(m.count), n.bytes, pk.bytes, sk.bytes)
                        }
                    }
                }
            }
        }
        guard result == 0 else { throw .weakPublicKey }
        return out
    }

    /// Decrypts what ``seal(_:nonce:to:from:)`` made, with the other side's keys.
    public static func open(_ sealed: [UInt8], nonce: [UInt8], from publicKey: [UInt8], to secretKey: SecretBytes) throws(SodiumError) -> [UInt8] {
        try check(nonce, publicKey, secretKey)
        guard sealed.count >= macLength else { throw .authenticationFailed }
        var out = [UInt8](repeating: 0, count: sealed.count - macLength)
        let result = out.withUnsafeMutableBytes { o in
            sealed.withUnsafeBytes { c in
                nonce.withUnsafeBytes { n in
                    publicKey.withUnsafeBytes { pk in
                        secretKey.withUnsafeBytes { sk in
                            crypto_box_open_easy(o.bytes, c.bytes, UInt64(c.count), n.bytes, pk.bytes, sk.bytes)
                        }
                    }
                }
            }
        }
        guard result == 0 else { throw .authenticationFailed }
        return out
    }

    private static func check(_ nonce: [UInt8], _ publicKey: [UInt8], _ secretKey: SecretBytes) throws(SodiumError) {
        try Sodium.ensureInitialised()
        try SodiumError.check(nonce, is: nonceLength, "box nonce")
        try SodiumError.check(publicKey, is: crypto_box_publickeybytes(), "box public key")
        try SodiumError.check(0..<secretKey.count, is: crypto_box_secretkeybytes(), "box secret key")
    }
}
