import JuiceCore
import JuicePeer
import Sodium

/// One entry of the buddy list as the client knows it: who, how related, and (for an accepted
/// buddy) their key and presence.
public struct BuddyEntry: Sendable, Equatable {
    /// How the user and this buddy are related.
    public enum Relation: String, Sendable {
        /// Both agreed: each sees the other's presence.
        case accepted
        /// They asked; the user's consent is awaited.
        case incoming
        /// The user asked; their consent is awaited.
        case outgoing
    }

    /// A buddy's status as the server states it.
    public enum Status: String, Sendable {
        case offline, online, away, busy
    }

    /// The buddy's name as the server states it.
    public var username: String
    public var relation: Relation
    /// Accepted buddies only.
    public var publicKey: [UInt8]?
    /// ``PeerID/offline`` when offline or not an accepted buddy.
    public var peerID: PeerID
    /// `HOST:PORT` where the buddy accepts peer connections, when online.
    public var endpoint: String?
    /// Further addresses they may be reached at, as checked on arrival (docs/reachability.md 3.4).
    public var candidates: [Candidate]
    public var status: Status
    public var statusText: String
    public var capabilities: Capabilities

    /// Creates an entry.
    public init(
        username: String, relation: Relation, publicKey: [UInt8]?, peerID: PeerID, endpoint: String?, candidates: [Candidate] = [],
        status: Status, statusText: String = "", capabilities: Capabilities
    ) {
        self.username = username
        self.relation = relation
        self.publicKey = publicKey
        self.peerID = peerID
        self.endpoint = endpoint
        self.candidates = candidates
        self.status = status
        self.statusText = statusText
        self.capabilities = capabilities
    }
}

extension PeerNetwork.Buddy {
    /// An accepted buddy with a well-formed name and key, as the peer network dials and admits
    /// them; nil for anyone else (others have no key to dial with). The endpoint and the
    /// candidates are checked as docs/reachability.md 3.4 says; a loopback one is kept only with
    /// `allowLoopback` (the server is on this machine too), so a server cannot
    /// point us at services on our own machine.
    public init?(_ entry: BuddyEntry, allowLoopback: Bool) {
        guard entry.relation == .accepted, let key = entry.publicKey, key.count == BoxKeyPair.publicKeyLength,
              let name = try? Username(entry.username) else { return nil }
        // The endpoint is dialled as a host candidate, so it passes the same checks: an IP
        // literal (no name the resolver could turn into this machine), port 1024 or above, no
        // unusable range, loopback only when the server is local.
        let endpoint = entry.endpoint.flatMap { try? Candidate(kind: "host", address: $0, allowLoopback: allowLoopback) }?.address
        // The candidates passed the checks when they were mapped; only loopback depends on the server.
        let candidates = entry.candidates.filter { allowLoopback || !$0.isLoopback }
        self.init(username: name, publicKey: key, peerID: entry.peerID, endpoint: endpoint, candidates: candidates)
    }
}
