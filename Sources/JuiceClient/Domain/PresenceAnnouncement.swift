import JuiceCore

/// What a client publishes when it goes online.
public struct PresenceAnnouncement: Sendable {
    /// Where buddies dial us.
    public var endpoint: Endpoint
    /// Further addresses buddies may dial (docs/reachability.md 3): host addresses when
    /// listening on every interface, the NAT's public mapping of the listening port.
    public var candidates: [Candidate] = []
    /// Camera and microphone flags.
    public var capabilities: Capabilities
    /// Online, away or busy.
    public var status: PresenceStatus = .online
    /// Free text.
    public var statusText: String = ""

    /// Creates an announcement.
    public init(endpoint: Endpoint, candidates: [Candidate] = [], capabilities: Capabilities, status: PresenceStatus = .online, statusText: String = "") {
        self.endpoint = endpoint
        self.candidates = candidates
        self.capabilities = capabilities
        self.status = status
        self.statusText = statusText
    }
}
