import Foundation
import JuiceCore
import Synchronization

/// Buddies' public keys as first seen, pinned in a local file (`username base64key` per line).
/// A key that differs from the pin blocks dialling and sending until the user accepts it.
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

    private let file: URL
    private let pins: Mutex<[String: [UInt8]]>

    /// Loads the pins of a client state directory (its `known_keys` file).
    public convenience init(directory: URL) throws(InvalidValue) {
        try self.init(file: directory.appendingPathComponent("known_keys"))
    }

    /// Loads the pins in `file` (missing file: none yet; unreadable or corrupt: an error).
    public init(file: URL) throws(InvalidValue) {
        self.file = file
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

    /// Checks `key` for `username`, pinning it on first sight.
    public func check(_ username: Username, _ key: [UInt8]) throws -> Verdict {
        let (verdicts, saveError) = check([(username, key)])
        if let saveError { throw saveError }
        return verdicts[0]
    }

    /// Checks many keys in order, pinning first sights with a single write of the file. The
    /// verdicts stand even if that write fails (the new pins then hold in memory only); its
    /// error is returned beside them.
    public func check(_ keys: [(Username, [UInt8])]) -> (verdicts: [Verdict], saveError: (any Error)?) {
        let verdicts: [Verdict] = pins.withLock { pins in
            keys.map { username, key in
                guard let pinned = pins[username.value] else {
                    if let other = pins.first(where: { $0.value == key })?.key { return .pinnedForAnother(other) }
                    pins[username.value] = key
                    return .pinnedNow
                }
                return pinned == key ? .matches : .changed(pinned: pinned)
            }
        }
        guard verdicts.contains(.pinnedNow) else { return (verdicts, nil) }
        do {
            try save()
            return (verdicts, nil)
        } catch {
            return (verdicts, error)
        }
    }

    /// Replaces the pin after the user accepted a changed key.
    public func accept(_ username: Username, _ key: [UInt8]) throws {
        pins.withLock { $0[username.value] = key }
        try save()
    }

    /// Writes the file atomically (temporary file, then rename), mode 0600.
    private func save() throws {
        let text = pins.withLock { pins in
            pins.sorted { $0.key < $1.key }.map { "\($0.key) \(Data($0.value).base64EncodedString())\n" }.joined()
        }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
    }
}
