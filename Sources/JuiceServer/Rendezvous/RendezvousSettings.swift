/// Timing of the rendezvous stream (docs/reachability.md, section 2).
public struct RendezvousSettings: Sendable {
    /// A `keepalive` line goes out after this long without another line (NAT mappings and
    /// proxies keep an idle stream open).
    public var keepaliveInterval: Duration = .seconds(25)
    /// How often an instance writes its heartbeat, writes 0 for lapsed presence (announcing the
    /// departures) and sends due keepalives. Bounds how late a departure goes out.
    public var tickInterval: Duration = .seconds(1)
    /// How long a heartbeat keeps an instance's streamed presences online: when the instance
    /// dies, its users read offline this long after its last heartbeat.
    public var instanceTimeout: Duration = .seconds(15)
    /// How long a presence stays online after its stream closed (a client crash, a broken
    /// network), for a resume; then it reads offline.
    public var resumeGrace: Duration = .seconds(5)
    /// `TCP_USER_TIMEOUT` of a held stream's socket: how long a line (a keepalive at the latest)
    /// may go unacknowledged before the connection is aborted and the stream ends. A client whose
    /// network vanished without a FIN reads offline within keepalive + this + the grace
    /// (25 + 10 + 5 s), not after TCP's retransmissions give up (about 15 minutes).
    public var userTimeout: Duration = .seconds(10)

    /// The defaults.
    public init() {}
}

extension Duration {
    /// The duration in seconds, as PostgreSQL's `make_interval(secs => ...)` takes it.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
