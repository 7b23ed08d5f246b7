/// The timings and limits of ``BuddySessions`` (docs/protocol.md 4.5 and 4.8).
public struct SessionSettings: Sendable {
    /// A ping after `interval` of silence; a buddy silent for `timeout` is offline.
    public var keepalive: KeepaliveSettings
    /// How long a connection may take, from opening, to become an authenticated session.
    public var handshakeTimeout: Duration = .seconds(10)
    /// How long an accepted connection may take, from opening, to send its M1.
    public var firstMessageTimeout: Duration = .seconds(2)
    /// The longest redial window, whatever lease the server states.
    public static let maxRetryWindow: Duration = .seconds(3600)
    /// How long a lost buddy is redialled: as long as their lease may still be valid.
    public var retryWindow: Duration
    /// The first redial's delay; each later one doubles it, up to ``maxRetryDelay``.
    public var firstRetryDelay: Duration = .milliseconds(500)
    /// The longest delay between two redials.
    public var maxRetryDelay: Duration = .seconds(30)
    /// How long the direct dials of an attempt (host addresses and punches) have before the
    /// buddy's relayed addresses are dialled too (docs/reachability.md 5.1): a punch between two
    /// home NATs completes in one round trip, or after the kernel's SYN retransmit at 1 s when
    /// one side's first SYN left before the other's opened its NAT; 2 s covers both with room.
    public var relayDelay: Duration = .seconds(2)
    /// While a session is relayed, how often the direct dials are tried again; the first that
    /// completes takes the session over (docs/reachability.md 5.5).
    public var upgradeInterval: Duration = .seconds(30)
    /// Connects to one buddy's addresses per minute at most, whatever the server says of them:
    /// a server that floods introductions with new candidates gets no more SYNs out of us.
    public var maxDialsPerBuddyPerMinute = 32
    /// Connects to all buddies together per minute, and under way at once: the server chooses
    /// how many buddies there are and where they are, so these bound what it can make us send.
    public var maxDialsPerMinute = 256, maxConnecting = 64
    /// How long a goodbye may take to be written before its connection is closed anyway.
    public var goodbyeTimeout: Duration = .seconds(3)
    /// Handshakes each source address may start, before any public-key work.
    public var perSource = AdmissionBudget.Rate(perSecond: 5, burst: 10)
    /// Handshakes all sources together may start: the ceiling on public-key work for strangers.
    public var overall = AdmissionBudget.Rate(perSecond: 100, burst: 200)
    /// Incoming connections not yet authenticated, from one source address and from all; a new
    /// one past either makes room by closing the oldest from its source, or from the source that
    /// holds the most.
    public var maxUnauthenticatedPerSource = 8, maxUnauthenticated = 64

    /// The settings for a client with these keepalive timings.
    public init(keepalive: KeepaliveSettings = KeepaliveSettings(), retryWindow: Duration = .seconds(300)) {
        self.keepalive = keepalive
        self.retryWindow = retryWindow
    }
}

/// Keepalive timing: a ping after `interval` of silence; the peer is dead after `timeout`.
public struct KeepaliveSettings: Sendable {
    public var interval: Duration
    public var timeout: Duration

    public init(interval: Duration = .seconds(5), timeout: Duration = .seconds(15)) {
        self.interval = interval
        self.timeout = timeout
    }
}
