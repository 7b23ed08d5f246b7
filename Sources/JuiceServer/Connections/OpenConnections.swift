import Synchronization

/// The number of open HTTP connections, shared by every connection's ``ConnectionGuard``.
public final class OpenConnections: Sendable {
    private let count = Atomic<Int>(0)
    private let refusals = Atomic<Int>(0)
    /// The most that may be open at once.
    public let limit: Int

    /// A counter that admits at most `limit` connections.
    public init(limit: Int) { self.limit = limit }

    /// Counts a new connection and returns true, or returns false (counting nothing) when
    /// `limit` are already open.
    func admit() -> Bool {
        guard count.add(1, ordering: .relaxed).newValue <= limit else {
            count.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Counts a connection that ``admit()`` refused; returns how many have been refused so far.
    func refuse() -> Int { refusals.add(1, ordering: .relaxed).newValue }

    /// Forgets a connection that ``admit()`` counted.
    func release() { count.subtract(1, ordering: .relaxed) }

    /// Connections open now.
    public var current: Int { count.load(ordering: .relaxed) }
}
