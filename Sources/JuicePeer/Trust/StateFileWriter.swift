import Foundation
import Glibc
import JuiceCore
import Synchronization

/// Writes one client state file (pins, replay state) in the background, so that whoever changes
/// the state in memory (the peer network, on its actor or an event loop) never waits for the disk.
///
/// Every state file of the process is written by one serial queue (``queue``: a Dispatch thread,
/// not the Swift cooperative pool). Each change submits a snapshot of the whole state; a snapshot
/// still waiting when the next arrives is replaced by it, so a burst of changes costs a few writes,
/// and the last one submitted is always written. A write goes to a temporary file created with
/// mode 0600 in the same directory, is synced, then renamed over the file.
///
/// A failed write is kept until a later write succeeds or the owner takes it (``takeFailure()``).
public final class StateFileWriter: Sendable {
    /// The one queue that writes state files.
    static let queue = DispatchQueue(label: "juice.state-files", qos: .utility)

    private struct Slot {
        var pending: (@Sendable () throws -> Data)?
        var scheduled = false
        var failure: (any Error)?
        var writes = 0
    }

    /// The file written.
    let file: URL
    private let slot = Mutex(Slot())

    init(file: URL) { self.file = file }

    /// Makes `snapshot` the next contents of the file and returns at once; it is rendered and
    /// written on ``queue``.
    func submit(_ snapshot: @escaping @Sendable () throws -> Data) {
        let schedule = slot.withLock { slot in
            slot.pending = snapshot
            defer { slot.scheduled = true }
            return !slot.scheduled
        }
        if schedule { Self.queue.async { self.drain() } }
    }

    /// Files written so far, failures included (for tests of the coalescing).
    var writes: Int { slot.withLock { $0.writes } }

    /// The failure of the last write, if no write succeeded since; reported once.
    func takeFailure() -> (any Error)? {
        slot.withLock { slot in
            defer { slot.failure = nil }
            return slot.failure
        }
    }

    /// Waits, without holding a thread, until every snapshot submitted before the call is written
    /// or has failed.
    func flush() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in Self.queue.async { done.resume() } }
    }

    /// Blocks until every snapshot of every file submitted before the call is written (for a
    /// reader in this process, and for an owner that goes away with a write pending).
    static func waitForPendingWrites() {
        queue.sync {}
    }

    /// Blocks until this file's pending snapshot is written; returns at once when none is.
    func waitIfPending() {
        if slot.withLock({ $0.scheduled }) { Self.waitForPendingWrites() }
    }

    private func drain() {
        while let snapshot = slot.withLock({ slot in
            defer { slot.pending = nil }
            if slot.pending == nil { slot.scheduled = false }
            return slot.pending
        }) {
            let failure: (any Error)?
            do {
                try Self.write(try snapshot(), to: file)
                failure = nil
            } catch {
                failure = error
            }
            slot.withLock { slot in
                slot.failure = failure
                slot.writes += 1
            }
        }
    }

    /// Replaces `file` atomically with `data`: a new 0600 temporary file, synced, then renamed.
    /// For a small file written rarely (the client's relay credential) without the queue.
    public static func write(_ data: Data, to file: URL) throws {
        let directory = file.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw InvalidValue("cannot create the directory of the state file \(file.path)")
        }
        let temporary = directory.appendingPathComponent(".\(file.lastPathComponent).\(UInt64.random(in: 0...UInt64.max)).tmp").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("create a temporary file beside", file) }
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        let complete = data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let count = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        let synced = complete && fsync(fd) == 0
        let closed = close(fd) == 0
        guard synced, closed else { throw failure("write", file) }
        guard rename(temporary, file.path) == 0 else { throw failure("replace", file) }
        renamed = true
    }

    private static func failure(_ what: String, _ file: URL) -> InvalidValue {
        InvalidValue("cannot \(what) the state file \(file.path): \(String(cString: strerror(errno)))")
    }
}
