import JuiceCore

/// What a client publishes when it goes online.
public struct PresenceAnnouncement: Sendable {
    /// Where buddies dial us.
    public var endpoint: Endpoint
    /// Camera and microphone flags.
    public var capabilities: Capabilities
    /// Online, away or busy.
    public var status: PresenceStatus = .online
    /// Free text.
    public var statusText: String = ""

    /// Creates an announcement.
    public init(endpoint: Endpoint, capabilities: Capabilities, status: PresenceStatus = .online, statusText: String = "") {
        self.endpoint = endpoint
        self.capabilities = capabilities
        self.status = status
        self.statusText = statusText
    }
}
