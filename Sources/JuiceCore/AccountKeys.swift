import Sodium

/// The keys a client derives from a password; the server never sees the password.
///
/// `Argon2id(password, salt = BLAKE2b-128("juice/v1/salt" || realm || 0x00 || username))` gives a
/// 32-byte master key; `crypto_kdf` (context `juiceacc`) splits it into subkey 1, the
/// **auth key** sent to the server, and subkey 2, the **key-encryption key** that seals the
/// identity secret key and never leaves the client.
public struct AccountKeys: Sendable {
    /// Sent to the server at register and login; the server stores only a verifier of it.
    public let authKey: SecretBytes
    /// Seals and opens the identity secret key.
    public let keyEncryptionKey: SecretBytes

    /// The KDF context for account keys.
    static let kdfContext = "juiceacc"

    /// Runs Argon2id (slow on purpose, about a tenth of a second and 64 MiB at the default limits).
    public static func derive(
        password: SecretBytes,
        username: Username,
        realm: Realm,
        limits: PasswordHash.Limits = .interactive
    ) throws(SodiumError) -> AccountKeys {
        let master = try PasswordHash.deriveKey(
            length: KeyDerivation.masterKeyLength, password: password,
            salt: try salt(username: username, realm: realm), limits: limits
        )
        return AccountKeys(
            authKey: try KeyDerivation.derive(length: 32, id: 1, context: kdfContext, from: master),
            keyEncryptionKey: try KeyDerivation.derive(length: SecretBox.keyLength, id: 2, context: kdfContext, from: master)
        )
    }

    /// The Argon2id salt for a user of a realm.
    public static func salt(username: Username, realm: Realm) throws(SodiumError) -> [UInt8] {
        let input = Array("juice/v1/salt".utf8) + Array(realm.name.utf8) + [0] + Array(username.value.utf8)
        return try GenericHash.hash(input, outputLength: PasswordHash.saltLength)
    }
}
