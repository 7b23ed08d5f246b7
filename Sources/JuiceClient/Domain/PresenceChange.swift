import JuiceCore

/// What a renewal may change besides extending the lease; nil leaves a field as it is.
public struct PresenceChange: Sendable, Equatable {
    public var camera: Bool?
    public var mic: Bool?
    public var status: PresenceStatus?
    public var statusText: String?
    /// Replaces the candidates (published after the login, docs/reachability.md 3.3).
    public var candidates: [Candidate]?

    /// Creates a change; with no arguments, only the lease is extended.
    public init(camera: Bool? = nil, mic: Bool? = nil, status: PresenceStatus? = nil, statusText: String? = nil, candidates: [Candidate]? = nil) {
        self.candidates = candidates
        self.camera = camera
        self.mic = mic
        self.status = status
        self.statusText = statusText
    }
}
