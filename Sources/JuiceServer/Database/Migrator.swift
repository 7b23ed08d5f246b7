import Logging
import Postgres

/// Applies the numbered migrations that a database lacks, each in its own transaction, and
/// records them in `schema_migrations`. Safe to run from several `juiced` at once: an advisory
/// lock serialises them, and re-running is a no-op.
public struct Migrator: Sendable {
    private let pool: PostgresPool
    private let migrations: [Migration]
    private let logger: Logger

    /// Arbitrary constant that names Juice's migration lock.
    static let lockKey: Int64 = 0x4A55_4943_4500

    /// Creates a migrator for `migrations` (all of Juice's by default).
    public init(pool: PostgresPool, migrations: [Migration] = Migration.all, logger: Logger) {
        self.pool = pool
        self.migrations = migrations
        self.logger = logger
    }

    /// Applies what is missing; returns the versions applied now, in order.
    @discardableResult
    public func migrate() async throws -> [Int] {
        let migrations = self.migrations
        let logger = self.logger
        return try await pool.withConnection { connection in
            try connection.query("SELECT pg_advisory_lock($1)", [Self.lockKey])
            defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [Self.lockKey]) }
            try connection.executeScript("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
            let applied = Set(try connection.query("SELECT version FROM schema_migrations").rows.map { try $0.decode("version", as: Int.self) })
            var now: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                logger.info("applying migration", metadata: ["migration": "\(migration.name)"])
                try connection.transaction { connection in
                    try connection.executeScript(migration.sql)
                    try connection.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name])
                }
                now.append(migration.version)
            }
            return now
        }
    }
}
