import Foundation
import Glibc
import JuiceCore
import JuicePeer
import Sodium
import Synchronization

/// The local message history of one user, appended as the chat goes (docs/protocol.md 6).
///
/// ``append(_:)`` and ``update(id:buddy:direction:state:)`` return at once: the record is
/// sealed and written on the log's own serial queue (a Dispatch thread, never the Swift
/// cooperative pool), in order, each record whole within one `write(2)` followed by
/// `fdatasync`. Records that pile up while a write is under way go out together in the next
/// write and share its `fdatasync`, so a burst costs a few syncs, not one per message. A crash
/// loses at most what was not yet synced (at chat speed, the last message); a half-written
/// record is cut off by the next writer.
///
/// A write that fails is reported once through `warn` and the chat goes on; the failed record
/// is cut off the file so that later ones stay readable, and ``flush()`` says false from then on.
public final class HistoryLog: Sendable {
    /// The history file.
    public let file: URL
    private let key: SecretBytes
    private let warn: @Sendable (String) -> Void
    /// Where records are sealed and written (internal so that tests can hold the writer).
    let queue = DispatchQueue(label: "juice.history", qos: .utility)
    private let shared: Mutex<Shared>
    /// Touched only on ``queue``.
    private let writer: Mutex<Writer>

    /// What callers share: the index for de-duplication and the records waiting to be written.
    private struct Shared {
        var index: Set<HistoryRecord.Key>
        var pending: [HistoryRecord] = []
        var scheduled = false
        var closed = false
    }

    /// The open file as the queue sees it.
    private struct Writer {
        var fd: Int32
        /// Bytes known whole; a torn tail past it is cut off before the first write.
        var length: Int
        var torn: Bool
        /// A record failed to reach the disk.
        var failed = false
        /// The file could not be brought back to a whole record after a failure: no more writes.
        var broken = false
        var warned = false
        let encoder: JSONEncoder
    }

    private init(file: URL, key: SecretBytes, fd: Int32, contents: HistoryFile.Contents, fileLength: Int, warn: @escaping @Sendable (String) -> Void) {
        self.file = file
        self.key = key
        self.warn = warn
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        shared = Mutex(Shared(index: Set(HistoryFile.fold(contents.records).map(\.key))))
        writer = Mutex(Writer(fd: fd, length: contents.validLength, torn: fileLength > contents.validLength, encoder: encoder))
    }

    /// Opens `file` for appending, creating it (mode 0600, in a 0700 directory) when missing, and
    /// reads what it holds to know which messages it has. `warn` gets a one-line warning when a
    /// write fails. A wrong key, or a damaged file, is an error.
    public static func open(file: URL, key: SecretBytes, warn: @escaping @Sendable (String) -> Void = { _ in }) throws(InvalidValue) -> HistoryLog {
        let directory = file.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw InvalidValue("cannot create the directory of the history file \(file.path)")
        }
        var contents = try HistoryFile.contents(of: file, key: key)
        if contents == nil {
            do {
                try StateFileWriter.write(Data(try HistoryFile.header(key: key)), to: file)
            } catch {
                throw InvalidValue("cannot create the history file \(file.path)")
            }
            contents = HistoryFile.Contents(validLength: HistoryFile.headerLength)
        }
        let fd = Glibc.open(file.path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw InvalidValue("cannot open the history file \(file.path): \(String(cString: strerror(errno)))") }
        var status = stat()
        let length = fstat(fd, &status) == 0 ? Int(status.st_size) : contents!.validLength
        return HistoryLog(file: file, key: key, fd: fd, contents: contents!, fileLength: length, warn: warn)
    }

    /// Records `entry` unless the history already has a message with its buddy, direction and ID;
    /// returns whether it was new. Returns at once.
    @discardableResult
    public func append(_ entry: HistoryEntry) -> Bool {
        enqueue(.entry(entry), new: true)
    }

    /// Records a new state of a message the history has (a receipt came back, it expired…);
    /// returns false, recording nothing, for a message it does not have. Returns at once.
    @discardableResult
    public func update(id: String, buddy: String, direction: HistoryEntry.Direction, state: HistoryEntry.State) -> Bool {
        enqueue(.state(.init(id: id, buddy: buddy, direction: direction, state: state)), new: false)
    }

    /// Whether the history has this message, written yet or not.
    public func contains(id: String, buddy: String, direction: HistoryEntry.Direction) -> Bool {
        shared.withLock { $0.index.contains(HistoryRecord.Key(buddy: buddy, direction: direction, id: id)) }
    }

    /// Waits, without holding a thread, until everything appended before the call is on disk.
    /// Returns false if some record ever failed to be written (then nothing should be
    /// acknowledged on the strength of it being in the history).
    @discardableResult
    public func flush() async -> Bool {
        await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in
            queue.async { done.resume(returning: !self.writer.withLock { $0.failed }) }
        }
    }

    /// The entries on disk, after everything appended before the call is written, with their
    /// states folded in, oldest first, filtered as ``Swift/Array/matching(buddy:since:grep:last:)``
    /// does. Blocks the calling thread for the reading; from async code use
    /// ``recent(buddy:since:grep:last:)``.
    public func entries(buddy: String? = nil, since: Date? = nil, grep: String? = nil, last: Int? = nil) throws(InvalidValue) -> [HistoryEntry] {
        try queue.sync { Result { () throws(InvalidValue) in try read() } }.get().matching(buddy: buddy, since: since, grep: grep, last: last)
    }

    /// ``entries(buddy:since:grep:last:)``, read on the log's queue without holding a thread of the caller's.
    public func recent(buddy: String? = nil, since: Date? = nil, grep: String? = nil, last: Int? = nil) async throws(InvalidValue) -> [HistoryEntry] {
        let result = await withCheckedContinuation { (done: CheckedContinuation<Result<[HistoryEntry], InvalidValue>, Never>) in
            queue.async { done.resume(returning: Result { () throws(InvalidValue) in try self.read() }) }
        }
        return try result.get().matching(buddy: buddy, since: since, grep: grep, last: last)
    }

    /// Writes what is pending and closes the file; later appends are ignored.
    public func close() {
        shared.withLock { $0.closed = true }
        queue.sync {
            writer.withLock { w in
                if w.fd >= 0 { Glibc.close(w.fd) }
                w.fd = -1
            }
        }
    }

    /// For tests: from now on writes go to `fd` (say, one open only for reading, to see how a
    /// failing disk is handled); the log's own descriptor is closed.
    func writeTo(descriptor fd: Int32) {
        queue.sync {
            writer.withLock { w in
                if w.fd >= 0 { Glibc.close(w.fd) }
                w.fd = fd
            }
        }
    }

    deinit {
        writer.withLock { w in if w.fd >= 0 { Glibc.close(w.fd) } }
    }

    private func read() throws(InvalidValue) -> [HistoryEntry] {
        HistoryFile.fold(try HistoryFile.contents(of: file, key: key)?.records ?? [])
    }

    private func enqueue(_ record: HistoryRecord, new: Bool) -> Bool {
        let (accepted, schedule) = shared.withLock { s -> (Bool, Bool) in
            guard !s.closed else { return (false, false) }
            let known = s.index.contains(record.key)
            guard known != new else { return (false, false) }
            if new { s.index.insert(record.key) }
            s.pending.append(record)
            defer { s.scheduled = true }
            return (true, !s.scheduled)
        }
        if schedule { queue.async { self.drain() } }
        return accepted
    }

    /// On ``queue``: writes batches until nothing is pending.
    private func drain() {
        while true {
            let batch = shared.withLock { s -> [HistoryRecord] in
                defer { s.pending = [] }
                if s.pending.isEmpty { s.scheduled = false }
                return s.pending
            }
            if batch.isEmpty { return }
            if let failure = writer.withLock({ write(batch, &$0) }) {
                let report = writer.withLock { w in
                    defer { w.warned = true }
                    return !w.warned
                }
                if report { warn("history: \(failure); messages from now on may be missing from it") }
            }
        }
    }

    /// Seals `batch` and writes it with one `write(2)` (more only if the kernel takes part of it)
    /// and one `fdatasync`; the reason when that failed.
    private func write(_ batch: [HistoryRecord], _ w: inout Writer) -> String? {
        guard w.fd >= 0, !w.broken else { return w.broken ? "cannot write \(file.path)" : nil }
        var bytes: [UInt8] = []
        for record in batch {
            do {
                bytes += try HistoryFile.seal(record, key: key, encoder: w.encoder)
            } catch {
                w.failed = true
                return "cannot seal a record: \(error)"
            }
        }
        if w.torn {
            guard ftruncate(w.fd, off_t(w.length)) == 0 else { return fail(&w, "cut the torn end off") }
            w.torn = false
        }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(w.fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return fail(&w, "write") }
            written += count
        }
        guard fdatasync(w.fd) == 0 else { return fail(&w, "sync") }
        w.length += bytes.count
        return nil
    }

    /// Marks a failure and cuts the file back to its last whole record.
    private func fail(_ w: inout Writer, _ what: String) -> String {
        let reason = "cannot \(what) \(file.path): \(String(cString: strerror(errno)))"
        w.failed = true
        if ftruncate(w.fd, off_t(w.length)) != 0 {
            w.broken = true
        }
        return reason
    }
}
