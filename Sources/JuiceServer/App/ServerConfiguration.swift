import Postgres

/// Everything `juiced` needs to run, with defaults that work with no configuration.
public struct ServerConfiguration: Sendable {
    /// Address to listen on.
    public var host = "127.0.0.1"
    /// Port to listen on; 0 picks a free one.
    public var port = 7480
    /// Account and presence rules.
    public var accounts = AccountSettings()
    /// Largest accepted request body.
    public var maxBodyBytes = 64 * 1024
    /// HTTP timeouts and the connection cap.
    public var connections = ConnectionLimits()
    /// How often expired leases are written back to 0 and dead sessions deleted.
    public var reaperInterval: Duration = .seconds(15)
    /// Timing of the rendezvous stream: keepalive, heartbeat, resume grace.
    public var rendezvous = RendezvousSettings()
    /// PEM certificate chain and private key; TLS is on when both are set.
    public var tlsCertificatePath: String?
    /// See ``tlsCertificatePath``.
    public var tlsKeyPath: String?
    /// Addresses of reverse proxies in front of juiced, whose `X-Forwarded-For` names the client
    /// the password throttle and the registration bound count by. None by default: the header
    /// is ignored, since anyone could send it.
    public var trustedProxies: [String] = []

    /// The defaults.
    public init() {}
}
