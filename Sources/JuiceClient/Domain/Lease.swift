import JuiceCore

/// The presence lease the server granted: our peer ID and how long it holds unless renewed.
public struct Lease: Sendable, Equatable {
    /// ``PeerID/offline`` for a login that did not go online.
    public var peerID: PeerID
    /// Seconds until the lease lapses.
    public var seconds: Int

    /// Creates a lease.
    public init(peerID: PeerID, seconds: Int) {
        self.peerID = peerID
        self.seconds = seconds
    }
}
