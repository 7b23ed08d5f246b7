import CSodium

/// A Curve25519 key pair for `crypto_box`.
public struct BoxKeyPair: Sendable {
    /// The public key, safe to publish.
    public let publicKey: [UInt8]
    /// The secret key, wiped when released.
    public let secretKey: SecretBytes

    /// Size of a public key.
    public static var publicKeyLength: Int { crypto_box_publickeybytes() }
    /// Size of a secret key.
    public static var secretKeyLength: Int { crypto_box_secretkeybytes() }

    /// Generates a fresh key pair (`crypto_box_keypair`).
    public static func generate() throws(SodiumError) -> BoxKeyPair {
        try Sodium.ensureInitialised()
        var publicKey = [UInt8](repeating: 0, count: publicKeyLength)
        let secretKey = try SecretBytes(count: secretKeyLength) { (sk: UnsafeMutableRawBufferPointer) throws(SodiumError) in
            let result = publicKey.withUnsafeMutableBytes { pk in
                crypto_box_keypair(pk.bytes, sk.bytes)
            }
            guard result == 0 else { throw .operationFailed("crypto_box_keypair") }
        }
        return BoxKeyPair(publicKey: publicKey, secretKey: secretKey)
    }

    /// Rebuilds a key pair from a stored secret key, recomputing the public key.
    public init(secretKey: SecretBytes) throws(SodiumError) {
        try Sodium.ensureInitialised()
        try SodiumError.check(0..<secretKey.count, is: Self.secretKeyLength, "box secret key")
        var publicKey = [UInt8](repeating: 0, count: Self.publicKeyLength)
        let result = publicKey.withUnsafeMutableBytes { pk in
            secretKey.withUnsafeBytes { sk in
                crypto_scalarmult_base(pk.bytes, sk.bytes)
            }
        }
        guard result == 0 else { throw .operationFailed("crypto_scalarmult_base") }
        self.init(publicKey: publicKey, secretKey: secretKey)
    }

    /// Size of a seed for ``init(seed:)``.
    public static var seedLength: Int { crypto_box_seedbytes() }

    /// Derives a key pair from a seed (`crypto_box_seed_keypair`: the secret key is the first
    /// 32 bytes of SHA-512(seed)). For fixed test vectors; keys in use come from ``generate()``.
    public init(seed: SecretBytes) throws(SodiumError) {
        try Sodium.ensureInitialised()
        try SodiumError.check(0..<seed.count, is: Self.seedLength, "box seed")
        var publicKey = [UInt8](repeating: 0, count: Self.publicKeyLength)
        let secretKey = try SecretBytes(count: Self.secretKeyLength) { (sk: UnsafeMutableRawBufferPointer) throws(SodiumError) in
            let result = publicKey.withUnsafeMutableBytes { pk in
                seed.withUnsafeBytes { s in crypto_box_seed_keypair(pk.bytes, sk.bytes, s.bytes) }
            }
            guard result == 0 else { throw .operationFailed("crypto_box_seed_keypair") }
        }
        self.init(publicKey: publicKey, secretKey: secretKey)
    }

    private init(publicKey: [UInt8], secretKey: SecretBytes) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// Rejects a public key of the wrong size, all zero, or of low order.
    ///
    /// A low-order point makes every Diffie-Hellman result with it all zero, which `crypto_scalarmult` reports.
    public static func validate(publicKey: [UInt8]) throws(SodiumError) {
        try Sodium.ensureInitialised()
        try SodiumError.check(publicKey, is: publicKeyLength, "public key")
        guard !ConstantTime.isZero(publicKey) else { throw .weakPublicKey }
        let probe = RandomBytes.secret(crypto_scalarmult_scalarbytes())
        var shared = [UInt8](repeating: 0, count: crypto_scalarmult_bytes())
        defer { ConstantTime.wipe(&shared) }
        let result = shared.withUnsafeMutableBytes { q in
            probe.withUnsafeBytes { n in
                publicKey.withUnsafeBytes { p in
                    crypto_scalarmult(
                        q.bytes,
                        n.bytes, p.bytes
                    )
                }
            }
        }
        guard result == 0 else { throw .weakPublicKey }
    }
}
