import Foundation
import JuiceCore
import Synchronization

/// Buddies' public keys as first seen, pinned in a local file (`username base64key` per line).
/// A key that differs from the pin blocks dialling and sending until the user accepts it.
///
/// The pins in memory are the authority and are checked and changed synchronously; the file is
/// written in the background (``StateFileWriter``: atomically, mode 0600, newest pins last), so
/// a check on the peer network's actor never waits for the disk. A write that fails is reported
/// once, by the first of ``check(_:)``, ``check(_:_:)``, ``accept(_:_:)`` or ``flush()`` to run
/// after it. Call ``flush()`` before letting go of the pins (at shutdown); pins released with a
/// write pending wait for it, so a short-lived owner (`juice verify`) still leaves them on disk.
public final class KnownKeys: Sendable {
    /// What the server's key for a buddy means.
    public enum Verdict: Equatable, Sendable {
        /// First sight: now pinned.
        case pinnedNow
        /// Matches the pin.
        case matches
        /// Differs from the pin: do not trust until accepted.
        case changed(pinned: [UInt8])
        /// First sight, but the key is already pinned for another buddy (named): not pinned, not
        /// trusted, since a message under it would show under the wrong name.
        case pinnedForAnother(String)
    }

    let writer: StateFileWriter
    private let pins: Mutex<[String: [UInt8]]>

    /// Loads the pins of a client state directory (its `known_keys` file).
    public convenience init(directory: URL) throws(InvalidValue) {
        try self.init(file: directory.appendingPathComponent("known_keys"))
    }

    /// Loads the pins in `file` (missing file: none yet; unreadable or corrupt: an error).
    public init(file: URL) throws(InvalidValue) {
        self.writer = StateFileWriter(file: file)
        var pins: [String: [UInt8]] = [:]
        if let data = try StateFile.read(file, what: "known-keys") {
            guard let text = String(data: data, encoding: .utf8) else { throw StateFile.corrupt(file, what: "known-keys") }
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                guard parts.count == 2, let key = Data(base64Encoded: String(parts[1])), key.count == 32 else {
                    throw StateFile.corrupt(file, what: "known-keys")
                }
                pins[String(parts[0])] = [UInt8](key)
            }
        }
        self.pins = Mutex(pins)
    }

    /// Checks `key` for `username`, pinning it on first sight; throws the failure of an earlier
    /// write not yet reported (the verdict stands either way).
    public func check(_ username: Username, _ key: [UInt8]) throws -> Verdict {
        let (verdicts, saveError) = check([(username, key)])
        if let saveError { throw saveError }
        return verdicts[0]
    }

    /// Checks many keys in order, pinning first sights with a single background write of the
    /// file. The verdicts stand whatever becomes of that write; `saveError` is the failure of an
    /// earlier write not yet reported (this call's own write, if it fails, is reported by the
    /// next call or ``flush()``).
    public func check(_ keys: [(Username, [UInt8])]) -> (verdicts: [Verdict], saveError: (any Error)?) {
        let earlier = writer.takeFailure() // taken before this call's write is submitted
        let verdicts: [Verdict] = pins.withLock { pins in
            let verdicts: [Verdict] = keys.map { username, key in
                guard let pinned = pins[username.value] else {
                    if let other = pins.first(where: { $0.value == key })?.key { return .pinnedForAnother(other) }
                    pins[username.value] = key
                    return .pinnedNow
                }
                return pinned == key ? .matches : .changed(pinned: pinned)
            }
            if verdicts.contains(.pinnedNow) { save(pins) }
            return verdicts
        }
        return (verdicts, earlier)
    }

    /// Replaces the pin after the user accepted a changed key (saved in the background); throws
    /// the failure of an earlier write not yet reported.
    public func accept(_ username: Username, _ key: [UInt8]) throws {
        let earlier = writer.takeFailure()
        pins.withLock { pins in
            pins[username.value] = key
            save(pins)
        }
        if let earlier { throw earlier }
    }

    /// Waits until every pin made before the call is on disk. Throws when the last write failed
    /// (reported once; the pins in memory hold either way).
    public func flush() async throws {
        await writer.flush()
        if let failure = writer.takeFailure() { throw failure }
    }

    deinit { writer.waitIfPending() }

    /// Hands `pins` to the writer; called under the lock, so snapshots reach it in order.
    private func save(_ pins: [String: [UInt8]]) {
        writer.submit {
            Data(pins.sorted { $0.key < $1.key }.map { "\($0.key) \(Data($0.value).base64EncodedString())\n" }.joined().utf8)
        }
    }
}
