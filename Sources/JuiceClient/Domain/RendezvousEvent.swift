import JuiceCore

/// One line of the rendezvous stream (docs/protocol.md 2.3.1) in the client's types. Keepalives
/// and lines of unknown types are skipped before they get here.
public enum RendezvousEvent: Sendable {
    /// The first line of a login stream: what a login returns.
    case login(LoginGrant)
    /// The first line of a resumed stream: the lease and a fresh buddy list.
    case resumed(lease: Lease, buddies: [BuddyEntry])
    /// An accepted buddy is online: came online, logged in again, or just became a buddy.
    case introduction(BuddyEntry)
    /// A buddy went offline or is no longer a buddy; `peerID` is the one that left.
    case departure(username: String, peerID: PeerID)
    /// What became of a waiting message this user left (docs/protocol.md 5.4).
    case receipt(MailboxReceipt)
    /// The server ended the stream: `logout` or `replaced` (a newer login of the same user).
    case ended(reason: String)
}
