import JuiceCore

/// What ``BuddySessions`` asks its driver to do. The driver carries these out in order and
/// decides nothing itself.
public enum SessionAction: Sendable, Equatable {
    /// Open a connection to a buddy and start the handshake on it as link `LinkID`.
    case dial(BuddySessions.LinkID, BuddySessions.Dial)
    /// Send a transport message on a link.
    case send(BuddySessions.LinkID, TransportMessage)
    /// Write a goodbye on a link, then close it once the goodbye is written.
    case sayGoodbye(BuddySessions.LinkID)
    /// Close a link at once, without a goodbye.
    case close(BuddySessions.LinkID, reason: String)
    /// Tell the user.
    case report(PeerEvent)
    /// Keep an accepted M1's timestamp, so that a replay of it is refused (``ReplayGuard``).
    case recordReplay(key: [UInt8], timestamp: UInt64)
    /// Stop accepting connections.
    case stopListening
    /// Everything is closed: the network's run loop may end.
    case finish
}

extension BuddySessions {
    /// Link numbers: every connection gets one when it is dialled or accepted.
    public typealias LinkID = Int

    /// What a dial needs: whom, at which of their addresses, and what we state in M1.
    public struct Dial: Sendable, Equatable {
        public var buddy: BuddyContact
        public var target: Candidate
        public var localPeerID: PeerID
        public var presence: PeerPresence
    }
}
