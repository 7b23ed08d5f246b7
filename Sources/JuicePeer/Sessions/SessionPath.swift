import JuiceCore

/// Which way a session's bytes travel (docs/reachability.md 6), as the CLI reports it.
public enum SessionPath: String, Sendable, Equatable {
    /// Straight to an address of the buddy's machine (same LAN, a public address or a forwarded
    /// port), or a connection the buddy made to our listener.
    case direct
    /// Through both NATs, to the public mapping of the buddy's listening port, dialled from ours
    /// (TCP simultaneous open).
    case punched
    /// Through a TURN relay, which carries only ciphertext.
    case relayed

    /// The path a dial to `candidate` makes.
    init(dialling candidate: Candidate) {
        switch candidate.kind {
        case .host: self = .direct
        case .srflx: self = .punched
        case .relay: self = .relayed
        }
    }
}
