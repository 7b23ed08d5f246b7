import Sodium

/// A user's identity key pair as the server stores it: the public key in clear and the secret
/// key sealed with `crypto_secretbox` under the key-encryption key (`nonce || ciphertext`).
public struct SealedIdentity: Sendable, Equatable {
    /// The `crypto_box` public key.
    public let publicKey: [UInt8]
    /// `nonce || secretbox(secretKey)`.
    public let sealedSecret: [UInt8]

    /// Size of a sealed secret key.
    public static var sealedLength: Int { SecretBox.nonceLength + SecretBox.macLength + BoxKeyPair.secretKeyLength }

    /// Wraps stored values after checking their sizes.
    public init(publicKey: [UInt8], sealedSecret: [UInt8]) throws(InvalidValue) {
        guard publicKey.count == BoxKeyPair.publicKeyLength else { throw InvalidValue("public key must be \(BoxKeyPair.publicKeyLength) bytes") }
        guard sealedSecret.count == Self.sealedLength else { throw InvalidValue("sealed secret must be \(Self.sealedLength) bytes") }
        self.publicKey = publicKey
        self.sealedSecret = sealedSecret
    }

    /// Seals `keyPair`'s secret key under `keyEncryptionKey`.
    public static func seal(_ keyPair: BoxKeyPair, keyEncryptionKey: SecretBytes) throws -> SealedIdentity {
        try SealedIdentity(publicKey: keyPair.publicKey, sealedSecret: SecretBox.seal(keyPair.secretKey, key: keyEncryptionKey))
    }

    /// Opens the secret key and checks that it matches the public key.
    public func open(keyEncryptionKey: SecretBytes) throws(SodiumError) -> BoxKeyPair {
        let keyPair = try BoxKeyPair(secretKey: SecretBox.open(sealedSecret, key: keyEncryptionKey))
        guard ConstantTime.equals(keyPair.publicKey, publicKey) else { throw .authenticationFailed }
        return keyPair
    }
}
