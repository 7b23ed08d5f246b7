import JuiceAPI
import JuiceCore
import Sodium

extension Components.Schemas.LoginResponse {
    /// The sealed identity as the server returned it.
    public var sealedIdentity: SealedIdentity {
        get throws { try SealedIdentity(publicKey: Array(identity.publicKey.data), sealedSecret: Array(identity.sealedSecret.data)) }
    }

    /// Opens the identity key pair with the password's key-encryption key; this also proves the password.
    public func openIdentity(with keys: AccountKeys) throws -> BoxKeyPair {
        try sealedIdentity.open(keyEncryptionKey: keys.keyEncryptionKey)
    }
}
