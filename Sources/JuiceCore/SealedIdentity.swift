import Sodium

/// A user's identity key pair as the server stores it: the public key in clear and the secret
/// key sealed with `crypto_secretbox` under the key-encryption key (`nonce || ciphertext`).
public struct SealedIdentity: Sendable, Equatable {
    /// The `crypto_box` public key.
    public let publicKey: [UInt8]
    /// `nonce || secretbox(secretKey)`.
    public let sealedSecret: [UInt8]

    /// Why a sealed identity from the server could not be used. Both mean the server (or its
    /// database) handed out something the user never sealed; neither carries key material.
    public enum OpenError: Error, Equatable, CustomStringConvertible {
        /// The password's key-encryption key does not open the sealed secret.
        case sealedSecretDoesNotOpen
        /// The opened secret key belongs to another public key than the one the server states.
        case publicKeyMismatch

        public var description: String {
            switch self {
            case .sealedSecretDoesNotOpen:
                "the server returned a sealed identity key that your password does not open; the server or its database has been tampered with"
            case .publicKeyMismatch:
                "the server's public key for you does not match your own identity key; the server may be substituting keys"
            }
        }
    }

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
    public func open(keyEncryptionKey: SecretBytes) throws(OpenError) -> BoxKeyPair {
        let keyPair: BoxKeyPair
        do {
            keyPair = try BoxKeyPair(secretKey: SecretBox.open(sealedSecret, key: keyEncryptionKey))
        } catch {
            throw .sealedSecretDoesNotOpen
        }
        guard ConstantTime.equals(keyPair.publicKey, publicKey) else { throw .publicKeyMismatch }
        return keyPair
    }
}
