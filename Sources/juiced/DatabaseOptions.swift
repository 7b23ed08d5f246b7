import ArgumentParser
import Foundation
import Logging
import Postgres

/// Where the database is: a URL, the PG* variables, or a private cluster in the state directory.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "PostgreSQL URL (postgresql://...). Default: the PG* variables if set, else a private cluster.")
    var databaseURL: String?

    @Option(name: .long, help: "State directory for the private cluster. Default: $JUICE_STATE_DIR, else ~/.local/state/juice (/var/lib/juice as root).")
    var stateDir: String?

    @Option(name: .long, help: "Database connections (and threads) in the pool.")
    var poolSize: Int = 8

    @Option(name: .long, help: "Requests that may wait for a busy pool; more get 503 at once. Default: 32 per connection.")
    var poolQueueLimit: Int?

    func validate() throws {
        guard (1...256).contains(poolSize) else { throw ValidationError("--pool-size must be 1 to 256") }
        if let poolQueueLimit, !(0...100_000).contains(poolQueueLimit) { throw ValidationError("--pool-queue-limit must be 0 to 100000") }
        if let databaseURL, databaseURL.isEmpty { throw ValidationError("--database-url must not be empty") }
    }

    /// The PG* variables that select a server, as psql reads them.
    static let serverVariables = ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE"]

    /// Resolves the connection, starting the private cluster if that is what applies.
    func connect(logger: Logger) throws -> (ConnectionConfiguration, PrivateCluster?) {
        if let databaseURL { return (.url(databaseURL, applicationName: "juiced"), nil) }
        let environment = ProcessInfo.processInfo.environment
        if Self.serverVariables.contains(where: { environment[$0] != nil }) {
            return (.environment(applicationName: "juiced"), nil)
        }
        let cluster = PrivateCluster(directory: URL(fileURLWithPath: resolvedStateDir).appendingPathComponent("postgres"), logger: logger)
        return (try cluster.start(), cluster)
    }

    var resolvedStateDir: String {
        if let stateDir { return stateDir }
        let environment = ProcessInfo.processInfo.environment
        if let dir = environment["JUICE_STATE_DIR"] { return dir }
        if geteuid() == 0 { return "/var/lib/juice" }
        let base = environment["XDG_STATE_HOME"] ?? (NSHomeDirectory() + "/.local/state")
        return base + "/juice"
    }
}
