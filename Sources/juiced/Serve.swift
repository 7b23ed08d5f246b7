import ArgumentParser
import Hummingbird
import JuiceCore
import JuiceServer
import Logging
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

    @Option(name: .long, help: "Presence lease in seconds; clients renew at about half of it.")
    var leaseSeconds = AccountSettings().leaseSeconds

    @Option(name: .long, help: "Realm that salts client password hashes; clients must use the same one.")
    var realm = Realm.default.name

    @Option(name: .long, help: "Failed password checks allowed per username and client address per 15 minutes.")
    var maxLoginFailures = AuthThrottle().perNameAndSource

    @Option(name: .long, help: "Failed password checks allowed per username from all addresses per 15 minutes; past it, only addresses the user logged in from before may try.")
    var maxLoginFailuresPerName = AuthThrottle().perName

    @Option(name: .long, help: "Failed password checks allowed per client address across usernames per 15 minutes.")
    var maxLoginFailuresPerAddress = AuthThrottle().perSource

    @Option(name: .long, help: "Accounts one client address may register per hour.")
    var maxRegistrationsPerAddress = AccountSettings().registrationsPerAddressPerHour

    @Option(name: .long, help: "Buddy requests that may wait for one user's consent.")
    var maxPendingRequests = AccountSettings().maxPendingRequests

    @Option(name: .long, help: "Command tokens (logins without going online) a user may hold; a new one ends the oldest.")
    var maxCommandTokens = AccountSettings().maxCommandSessions

    @Flag(name: .long, help: "INSECURE: serve plain HTTP on an address that is not loopback (only behind a TLS-terminating proxy).")
    var insecurePlainHttp = false

    @Option(name: .long, help: "PEM certificate chain; serves HTTPS together with --tls-key.")
    var tlsCertificate: String?

    @Option(name: .long, help: "PEM private key for --tls-certificate.")
    var tlsKey: String?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard (2...86400).contains(leaseSeconds) else { throw ValidationError("--lease-seconds must be 2 to 86400") }
        guard maxLoginFailures >= 1 else { throw ValidationError("--max-login-failures must be at least 1") }
        guard maxLoginFailuresPerName > maxLoginFailures else {
            throw ValidationError("--max-login-failures-per-name must be larger than --max-login-failures, or one address could lock a user out")
        }
        guard maxLoginFailuresPerAddress >= maxLoginFailures else { throw ValidationError("--max-login-failures-per-address must be at least --max-login-failures") }
        for (name, value) in [("--max-registrations-per-address", maxRegistrationsPerAddress), ("--max-pending-requests", maxPendingRequests), ("--max-command-tokens", maxCommandTokens)] {
            guard value >= 1 else { throw ValidationError("\(name) must be at least 1") }
        }
        guard (tlsCertificate == nil) == (tlsKey == nil) else { throw ValidationError("--tls-certificate and --tls-key go together") }
        guard tlsCertificate != nil || insecurePlainHttp || Loopback.contains(host: host) else {
            throw ValidationError("--host \(host) is not loopback: serve HTTPS there (--tls-certificate and --tls-key), or, only behind a TLS-terminating proxy, --insecure-plain-http")
        }
        _ = try Realm(realm)
    }

    func run() async throws {
        let logger = logging.makeLogger()
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.accounts.realm = try Realm(realm)
        configuration.accounts.leaseSeconds = leaseSeconds
        configuration.accounts.throttle.perNameAndSource = maxLoginFailures
        configuration.accounts.throttle.perName = maxLoginFailuresPerName
        configuration.accounts.throttle.perSource = maxLoginFailuresPerAddress
        configuration.accounts.registrationsPerAddressPerHour = maxRegistrationsPerAddress
        configuration.accounts.maxPendingRequests = maxPendingRequests
        configuration.accounts.maxCommandSessions = maxCommandTokens
        configuration.reaperInterval = .seconds(max(1, min(15, leaseSeconds / 4)))
        configuration.tlsCertificatePath = tlsCertificate
        configuration.tlsKeyPath = tlsKey

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
    let pool = PostgresPool(configuration: connection, size: options.poolSize, logger: logger)
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
