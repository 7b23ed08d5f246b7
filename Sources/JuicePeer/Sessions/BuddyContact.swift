import JuiceCore

/// An accepted buddy as the server describes them: a name, a public key, and where they are.
public struct BuddyContact: Sendable, Equatable {
    public var username: Username
    public var publicKey: [UInt8]
    public var peerID: PeerID
    public var endpoint: Endpoint?
    /// Further addresses the buddy may be reached at (their host addresses, the public mapping
    /// of their listening port): dialled at once with the endpoint, the first handshake wins.
    public var candidates: [Candidate]

    /// At most this many addresses are dialled for one buddy at once; the rest are ignored.
    public static let maxDialTargets = 8

    public init(username: Username, publicKey: [UInt8], peerID: PeerID, endpoint: Endpoint?, candidates: [Candidate] = []) {
        self.username = username
        self.publicKey = publicKey
        self.peerID = peerID
        self.endpoint = endpoint
        self.candidates = candidates
    }

    /// Where to dial them: the endpoint (a host address), then the candidates, each address once,
    /// at most ``maxDialTargets``, relayed ones last.
    public var dialTargets: [Candidate] {
        // An address stated as a relay is only ever a relay: both sides must agree on a path.
        var seen = Set(candidates.filter { $0.kind == .relay }.map(\.address))
        let direct = [endpoint].compactMap { $0.map { Candidate(kind: .host, address: $0) } } + candidates.filter { $0.kind != .relay }
        var relays = Set<Endpoint>()
        let all = direct.filter { seen.insert($0.address).inserted } + candidates.filter { $0.kind == .relay && relays.insert($0.address).inserted }
        return Array(all.prefix(Self.maxDialTargets))
    }

    /// The targets dialled at once: host addresses and punches.
    public var directTargets: [Candidate] { dialTargets.filter { $0.kind != .relay } }

    /// The targets dialled once the direct ones had ``SessionSettings/relayDelay``.
    public var relayTargets: [Candidate] { dialTargets.filter { $0.kind == .relay } }
}

/// How far a buddy's key may be trusted, from the pins (``KnownKeys``) and the buddy list.
public enum KeyTrust: Sendable, Equatable {
    /// Pinned now or matching the pin.
    case trusted
    /// Differs from the pin: neither dialled, admitted nor messaged until the user accepts it;
    /// `safetyNumber` is the new key's, for the warning.
    case changed(safetyNumber: String)
    /// Stated for another buddy too, or our own: never trusted.
    case shared
}
