import JuiceCore
import Sodium

/// What a login returns: the lease, the sealed identity and the whole buddy list. The session
/// token stays inside ``JuiceService``.
public struct LoginGrant: Sendable {
    /// The user's name as the server spells it.
    public var username: String
    public var lease: Lease
    /// The identity key pair, sealed under the password's key-encryption key.
    public var sealedIdentity: SealedIdentity
    public var buddies: [BuddyEntry]
    /// The service's relay and a credential for it, when it has one (online logins only).
    public var relay: RelayAccess?
    /// How many of this machine's prekeys the server holds unclaimed (when the login offered any).
    public var prekeysLeft: Int?
    /// Messages that waited for this user, oldest first.
    public var waiting: [WaitingDelivery]
    /// Receipts for messages this user left.
    public var receipts: [MailboxReceipt]

    /// Creates a grant.
    public init(
        username: String, lease: Lease, sealedIdentity: SealedIdentity, buddies: [BuddyEntry], relay: RelayAccess? = nil,
        prekeysLeft: Int? = nil, waiting: [WaitingDelivery] = [], receipts: [MailboxReceipt] = []
    ) {
        self.relay = relay
        self.prekeysLeft = prekeysLeft
        self.waiting = waiting
        self.receipts = receipts
        self.username = username
        self.lease = lease
        self.sealedIdentity = sealedIdentity
        self.buddies = buddies
    }

    /// Opens the identity key pair with the password's key-encryption key; this also proves the password.
    public func openIdentity(with keys: AccountKeys) throws -> BoxKeyPair {
        try sealedIdentity.open(keyEncryptionKey: keys.keyEncryptionKey)
    }
}
