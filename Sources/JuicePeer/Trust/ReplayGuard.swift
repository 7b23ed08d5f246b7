import Foundation
import JuiceCore
import Synchronization

/// The newest M1 timestamp accepted from each initiator key, kept in a file so that a replayed
/// M1 is refused even after we restart. A timestamp must be newer than the last one accepted,
/// at most ``maxFuture`` ahead of our clock and at most ``maxAge`` behind it.
///
/// The state in memory is the authority and is checked and updated synchronously; the file is
/// written in the background (``StateFileWriter``), newest state last. Call ``flush()`` before
/// letting go of the guard (at shutdown); a guard released with a write pending waits for it.
public final class ReplayGuard: Sendable {
    private let newest: Mutex<[String: UInt64]>
    let writer: StateFileWriter

    /// How far ahead of our clock a timestamp may be (milliseconds).
    public static let maxFuture: UInt64 = 30_000
    /// How far behind our clock a timestamp may be (milliseconds).
    public static let maxAge: UInt64 = 120_000

    /// Loads the state in `file` (missing file: nothing seen yet; unreadable or corrupt: an error).
    public init(file: URL) throws(InvalidValue) {
        self.writer = StateFileWriter(file: file)
        var newest: [String: UInt64] = [:]
        if let data = try StateFile.read(file, what: "replay-state") {
            guard let decoded = try? JSONDecoder().decode([String: UInt64].self, from: data) else { throw StateFile.corrupt(file, what: "replay-state") }
            newest = decoded
        }
        self.newest = Mutex(newest)
    }

    /// True when `timestamp` from `key` may be accepted now (no state changes).
    public func admits(key: [UInt8], timestamp: UInt64, now: UInt64) -> Bool {
        guard timestamp <= now + Self.maxFuture, timestamp + Self.maxAge >= now else { return false }
        let last = newest.withLock { $0[Self.name(key)] } ?? 0
        return timestamp > last
    }

    /// Records `timestamp` as the newest accepted from `key`, at once in memory; the file is
    /// saved in the background and never read from the caller's thread.
    public func record(key: [UInt8], timestamp: UInt64) {
        newest.withLock { newest in
            newest[Self.name(key)] = max(newest[Self.name(key)] ?? 0, timestamp)
            let snapshot = newest
            writer.submit { try JSONEncoder().encode(snapshot) } // under the lock: snapshots reach the writer in order
        }
    }

    /// Waits until every change recorded before the call is on disk. Throws when the last write
    /// failed (reported once; the state in memory holds either way).
    public func flush() async throws {
        await writer.flush()
        if let failure = writer.takeFailure() { throw failure }
    }

    deinit { writer.waitIfPending() }

    private static func name(_ key: [UInt8]) -> String { Data(key).base64EncodedString() }
}
