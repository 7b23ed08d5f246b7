import Logging
import NIOPosix
import Synchronization

/// A fixed set of connections, each used on a dedicated thread so libpq's blocking calls never
/// run on Swift's cooperative pool.
///
/// Connections are opened lazily, at most one per thread. A connection that broke (for example
/// because PostgreSQL restarted) is reset and the work is retried once on the fresh connection.
///
/// At most ``queueLimit`` requests wait for a connection; past that a request fails at once with
/// ``PostgresError/Kind/saturated`` instead of joining an unbounded queue.
public final class PostgresPool: Sendable {
    /// Where the pool's connections go (a ``PostgresListener`` connects there too).
    public let configuration: ConnectionConfiguration
    private let threads: NIOThreadPool
    private let idle = Mutex<[PostgresConnection]>([])
    private let logger: Logger
    private let closed = Mutex(false)
    private let requests = Atomic<Int>(0)

    /// The number of connections (and threads).
    public let size: Int
    /// How many requests may wait for a connection while all of them are busy.
    public let queueLimit: Int

    /// The default ``queueLimit`` for a pool of `size` connections: 32 waiting requests per
    /// connection. A statement takes about a millisecond, so a full queue is tens of milliseconds
    /// of work; a longer queue only means the database is not keeping up, and waiting in it would
    /// only grow latency and memory.
    public static func defaultQueueLimit(size: Int) -> Int { 32 * max(1, size) }

    /// Creates and starts a pool of `size` connections with room for `queueLimit` waiting
    /// requests (``defaultQueueLimit(size:)`` when nil).
    public init(configuration: ConnectionConfiguration, size: Int = 4, queueLimit: Int? = nil, logger: Logger = Logger(label: "juice.postgres")) {
        self.configuration = configuration
        self.size = max(1, size)
        self.queueLimit = max(0, queueLimit ?? Self.defaultQueueLimit(size: size))
        self.logger = logger
        threads = NIOThreadPool(numberOfThreads: self.size)
        threads.start()
    }

    /// Runs `body` with a connection on a pool thread; throws ``PostgresError/Kind/saturated``
    /// at once when ``queueLimit`` requests already wait.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        guard !closed.withLock({ $0 }) else { throw PostgresError(.closed, message: "pool is closed") }
        defer { requests.subtract(1, ordering: .relaxed) }
        guard requests.add(1, ordering: .relaxed).newValue <= size + queueLimit else {
            throw PostgresError(.saturated, message: "\(queueLimit) requests already wait for a connection")
        }
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
