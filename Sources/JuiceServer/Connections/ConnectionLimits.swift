/// How long an HTTP connection may take over each part of a request, and how many may be open.
///
/// A connection that misses a deadline is closed; one past ``maxConnections`` is closed as soon
/// as it is accepted. The defaults suit Juice's traffic: a few small JSON calls per client
/// (bodies at most 64 KiB) and nothing long-lived in plain HTTP.
public struct ConnectionLimits: Sendable, Equatable {
    /// From the first byte of a request until its head (request line and headers) is complete.
    /// A head is a few hundred bytes, one packet; 10 s covers a very slow mobile link.
    public var headerTimeout: Duration = .seconds(10)
    /// From a complete head until the whole body has arrived. 64 KiB in 30 s is about 17 kbit/s.
    public var bodyTimeout: Duration = .seconds(30)
    /// From accepting a connection, or from the end of a response, until the next request's
    /// first byte. Clients make a few calls in a burst (login, buddy changes), then nothing until
    /// they renew at half the lease; 30 s keeps a burst on one connection and frees idle ones.
    public var idleTimeout: Duration = .seconds(30)
    /// Open connections at most. Each costs one file descriptor and some memory; juiced raises its
    /// descriptor limit to leave room for these plus the database pool.
    public var maxConnections = 4096

    /// The defaults.
    public init() {}
}
