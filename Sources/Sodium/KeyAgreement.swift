import CSodium

/// X25519 Diffie-Hellman (`crypto_scalarmult`), refusing low-order points.
public enum KeyAgreement {
    /// Size of a shared secret.
    public static var sharedSecretLength: Int { crypto_scalarmult_bytes() }

    /// `X25519(secretKey, publicKey)`; throws ``SodiumError/weakPublicKey`` when the result is all
    /// zero (a low-order or zero public key).
    public static func sharedSecret(_ secretKey: SecretBytes, _ publicKey: [UInt8]) throws(SodiumError) -> SecretBytes {
        try Sodium.ensureInitialised()
        try SodiumError.check(publicKey, is: crypto_scalarmult_bytes(), "public key")
        try SodiumError.check(0..<secretKey.count, is: crypto_scalarmult_scalarbytes(), "secret key")
        return try SecretBytes(count: sharedSecretLength) { (out: UnsafeMutableRawBufferPointer) throws(SodiumError) in
            let result = secretKey.withUnsafeBytes { sk in
                publicKey.withUnsafeBytes { pk in crypto_scalarmult(out.bytes, sk.bytes, pk.bytes) }
            }
            guard result == 0 else { throw .weakPublicKey }
        }
    }
}
