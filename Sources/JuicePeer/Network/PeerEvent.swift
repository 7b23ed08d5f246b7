import JuiceCore

/// What the peer network reports to the session.
public enum PeerEvent: Sendable, Equatable {
    /// A buddy is online and authenticated, over `path`.
    case online(Username, peerID: PeerID, endpoint: String?, path: SessionPath, presence: PeerPresence)
    /// A buddy went offline (goodbye, lost connection or keepalive timeout).
    case offline(Username, reason: String)
    /// A buddy changed flags or status.
    case presence(Username, PeerPresence)
    /// A chat message arrived.
    case message(from: Username, id: MessageID, text: String)
    /// A buddy confirmed receipt of our message.
    case delivered(to: Username, id: MessageID)
    /// The server's key for a buddy differs from the pinned one: not dialled, not admitted.
    case keyChanged(Username, safetyNumber: String)
    /// Something went wrong that the user should know about.
    case error(String)
}
