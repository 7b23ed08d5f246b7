import Logging
import NIOPosix
import Synchronization

/// A fixed set of connections, each used on a dedicated thread so libpq's blocking calls never
/// run on Swift's cooperative pool.
///
/// Connections are opened lazily, at most one per thread. A connection that broke (for example
/// because PostgreSQL restarted) is reset and the work is retried once on the fresh connection.
public final class PostgresPool: Sendable {
    private let configuration: ConnectionConfiguration
    private let threads: NIOThreadPool
    private let idle = Mutex<[PostgresConnection]>([])
    private let logger: Logger
    private let closed = Mutex(false)

    /// The number of connections (and threads).
    public let size: Int

    /// Creates and starts a pool of `size` connections.
    public init(configuration: ConnectionConfiguration, size: Int = 4, logger: Logger = Logger(label: "juice.postgres")) {
        self.configuration = configuration
        self.size = max(1, size)
        self.logger = logger
        threads = NIOThreadPool(numberOfThreads: self.size)
        threads.start()
    }

    /// Runs `body` with a connection on a pool thread.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        guard !closed.withLock({ $0 }) else { throw PostgresError(.closed, message: "pool is closed") }
        do {
            return try await threads.runIfActive { [self] in
                let connection = try checkOut()
                do {
                    let value = try runRetryingOnce(body, on: connection)
                    checkIn(connection)
                    return value
                } catch let error as PostgresError where error.kind == .connection {
                    throw error // broken connections are dropped, not returned
                } catch {
                    checkIn(connection)
                    throw error
                }
            }
        } catch is CancellationError where closed.withLock({ $0 }) {
            // NIOThreadPool's async runIfActive reports a pool that stopped before the work ran
            // as a CancellationError; that is the pool closing, not the caller's task cancelling.
            throw PostgresError(.closed, message: "pool is closed")
        }
    }

    /// Runs `body` inside a transaction.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withConnection { try $0.transaction(body) }
    }

    /// Closes every connection and stops the threads.
    public func shutdown() async {
        closed.withLock { $0 = true }
        try? await threads.shutdownGracefully()
        idle.withLock { $0.removeAll() }
    }

    private func checkOut() throws(PostgresError) -> PostgresConnection {
        if let connection = idle.withLock({ $0.popLast() }) {
            return connection
        }
        return try PostgresConnection(configuration)
    }

    private func checkIn(_ connection: PostgresConnection) {
        guard connection.isHealthy else { return }
        idle.withLock { $0.append(connection) }
    }

    private func runRetryingOnce<T>(_ body: (PostgresConnection) throws -> T, on connection: PostgresConnection) throws -> T {
        do {
            return try body(connection)
        } catch let error as PostgresError where error.kind == .connection || !connection.isHealthy {
            logger.warning("database connection lost; reconnecting", metadata: ["error": "\(error.message)"])
            try connection.reset()
            return try body(connection)
        }
    }
}
