/// Where a chat message to a buddy goes now (``BuddySessions/route(to:)``).
public enum MessageRoute: Sendable, Equatable {
    /// Over the live session, or the one being set up.
    case session
    /// The buddy is offline: seal it to `publicKey` (their trusted, pinned key) and leave it on
    /// the server (docs/protocol.md 5).
    case offline(publicKey: [UInt8])
    /// Nowhere now, for this one-line reason.
    case refused(String)
}
