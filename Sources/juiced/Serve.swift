import ArgumentParser
import Foundation
import Hummingbird
import JuiceCore
import JuiceServer
import Logging
import NIOCore
import NIOPosix
import Postgres
import Prometheus

/// `juiced serve`: migrate, then serve the API until SIGINT or SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the service (the default).")

    @Option(name: .long, help: "Address to listen on.")
    var host = ServerConfiguration().host

    @Option(name: .long, help: "Port to listen on (0 picks a free one).")
    var port = ServerConfiguration().port

    @Option(name: .long, help: "Presence lease in seconds for clients without a rendezvous stream (they renew at about half of it); an open stream keeps its presence without renewals.")
    var leaseSeconds = AccountSettings().leaseSeconds

    @Option(name: .long, help: "Realm that salts client password hashes; clients must use the same one.")
    var realm = Realm.default.name

    @Option(name: .long, help: "Address of a reverse proxy in front of juiced whose X-Forwarded-For names the client (repeatable); without it the throttle sees only the proxy's address.")
    var trustedProxy: [String] = []

    @Flag(name: .long, help: "INSECURE: serve plain HTTP on an address that is not loopback (only behind a TLS-terminating proxy).")
    var insecurePlainHttp = false

    @Option(name: .long, help: "PEM certificate chain; serves HTTPS together with --tls-key.")
    var tlsCertificate: String?

    @Option(name: .long, help: "PEM private key for --tls-certificate.")
    var tlsKey: String?

    @Option(name: .long, help: "Seconds from a request's first byte until its headers must be complete.")
    var headerTimeout = Int(ConnectionLimits().headerTimeout.components.seconds)

    @Option(name: .long, help: "Seconds from a request's headers until its body must be complete.")
    var bodyTimeout = Int(ConnectionLimits().bodyTimeout.components.seconds)

    @Option(name: .long, help: "Seconds a connection may wait for its next request (keep-alive).")
    var idleTimeout = Int(ConnectionLimits().idleTimeout.components.seconds)

    @Option(name: .long, help: "Open HTTP connections at most; more are closed at once.")
    var maxConnections = ConnectionLimits().maxConnections

    @Option(name: .long, help: "IP:PORT of the TURN server (coturn, TCP) clients relay through when no direct path works; needs --turn-secret-file. Without it clients only get direct and punched paths.")
    var turnServer: String?

    @Option(name: .long, help: "File holding the secret shared with coturn (its static-auth-secret, use-auth-secret): juiced makes each login a TURN credential of its own from it.")
    var turnSecretFile: String?

    @OptionGroup var limits: AccountLimitOptions
    @OptionGroup(title: "Waiting messages") var mailbox: MailboxOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        for proxy in trustedProxy where (try? SocketAddress(ipAddress: proxy, port: 0)) == nil {
            throw ValidationError("--trusted-proxy takes an IP address, not \(proxy)")
        }
        guard (2...86400).contains(leaseSeconds) else { throw ValidationError("--lease-seconds must be 2 to 86400") }
        for (name, seconds) in [("header", headerTimeout), ("body", bodyTimeout), ("idle", idleTimeout)] where !(1...3600).contains(seconds) {
            throw ValidationError("--\(name)-timeout must be 1 to 3600 seconds")
        }
        guard (1...1_000_000).contains(maxConnections) else { throw ValidationError("--max-connections must be 1 to 1000000") }
        guard (tlsCertificate == nil) == (tlsKey == nil) else { throw ValidationError("--tls-certificate and --tls-key go together") }
        guard tlsCertificate != nil || insecurePlainHttp || Loopback.contains(host: host) else {
            throw ValidationError("--host \(host) is not loopback: serve HTTPS there (--tls-certificate and --tls-key), or, only behind a TLS-terminating proxy, --insecure-plain-http")
        }
        _ = try Realm(realm)
        guard (turnServer == nil) == (turnSecretFile == nil) else { throw ValidationError("--turn-server and --turn-secret-file go together") }
        // An IP literal: clients dial only addresses (docs/reachability.md 3.4), never names.
        if let turnServer, (try? Candidate(kind: "relay", address: turnServer, allowLoopback: true)) == nil {
            throw ValidationError("--turn-server must be IP:PORT (an IP address, port 1024 to 65535), got \(turnServer)")
        }
    }

    /// The relay settings, with the secret read from its file (which must hold 16 to 256
    /// printable characters; surrounding whitespace is ignored).
    func relaySettings() throws -> RelaySettings? {
        guard let turnServer, let turnSecretFile else { return nil }
        guard let data = FileManager.default.contents(atPath: turnSecretFile) else {
            throw ValidationError("cannot read --turn-secret-file \(turnSecretFile)")
        }
        let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard (16...256).contains(secret.count), secret.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw ValidationError("--turn-secret-file \(turnSecretFile) must hold one secret of 16 to 256 printable characters")
        }
        return RelaySettings(server: turnServer, secret: secret)
    }

    func run() async throws {
        let logger = logging.makeLogger()
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.accounts.realm = try Realm(realm)
        configuration.accounts.leaseSeconds = leaseSeconds
        limits.apply(to: &configuration.accounts)
        mailbox.apply(to: &configuration.accounts.mailbox)
        configuration.accounts.relay = try relaySettings()
        configuration.reaperInterval = .seconds(max(1, min(15, leaseSeconds / 4)))
        configuration.tlsCertificatePath = tlsCertificate
        configuration.tlsKeyPath = tlsKey
        configuration.trustedProxies = trustedProxy
        if insecurePlainHttp && trustedProxy.isEmpty {
            logger.warning("--insecure-plain-http without --trusted-proxy: behind a proxy every client has the proxy's address, so one stranger's failed logins throttle everybody")
        }
        configuration.connections.headerTimeout = .seconds(headerTimeout)
        configuration.connections.bodyTimeout = .seconds(bodyTimeout)
        configuration.connections.idleTimeout = .seconds(idleTimeout)
        configuration.connections.maxConnections = DescriptorLimit.fit(maxConnections: maxConnections, poolSize: database.poolSize, logger: logger)

        try await withDatabase(database, logger: logger) { pool in
            // Built first, so that unreadable TLS files stop juiced before the schema is touched.
            let scheme = tlsCertificate == nil ? "http" : "https"
            let app = try buildApplication(configuration: configuration, pool: pool, logger: logger) { channel in
                let port = channel.localAddress?.port ?? port
                logger.notice("juiced listening on \(scheme)://\(host):\(port)")
            }
            try await Migrator(pool: pool, logger: logger).migrate()
            try await app.runService()
        }
    }
}

/// Opens the database (starting the private cluster if needed), runs `body`, then closes the
/// pool and stops the private cluster, whatever `body` did.
func withDatabase(_ options: DatabaseOptions, logger: Logger, _ body: (PostgresPool) async throws -> Void) async throws {
    // initdb and pg_ctl block for seconds: run them on NIO's blocking pool, not the cooperative one.
    let (connection, cluster) = try await NIOThreadPool.singleton.runIfActive { try options.connect(logger: logger) }
    let pool = PostgresPool(configuration: connection, size: options.poolSize, queueLimit: options.poolQueueLimit, logger: logger)
    do {
        try await body(pool)
    } catch {
        await pool.shutdown()
        _ = try? await NIOThreadPool.singleton.runIfActive { try cluster?.stop() }
        throw error
    }
    await pool.shutdown()
    try await NIOThreadPool.singleton.runIfActive { try cluster?.stop() }
}
