import Sodium

/// Keys for what a client keeps on its own disk, derived from the key-encryption key
/// (``AccountKeys/keyEncryptionKey``) with `crypto_kdf`, context `juicelcl`: subkey 1 seals the
/// history file, subkey 2 the prekey store (docs/protocol.md 5.1). Both need the password, so a
/// stolen laptop without it reveals neither.
public struct LocalKeys: Sendable {
    /// Seals the local message history.
    public let history: SecretBytes
    /// Seals the one-time prekey secrets.
    public let prekeys: SecretBytes

    /// The KDF context for local keys.
    static let kdfContext = "juicelcl"

    /// Derives both keys from the key-encryption key.
    public init(keyEncryptionKey: SecretBytes) throws(SodiumError) {
        history = try KeyDerivation.derive(length: SecretBox.keyLength, id: 1, context: Self.kdfContext, from: keyEncryptionKey)
        prekeys = try KeyDerivation.derive(length: SecretBox.keyLength, id: 2, context: Self.kdfContext, from: keyEncryptionKey)
    }
}
