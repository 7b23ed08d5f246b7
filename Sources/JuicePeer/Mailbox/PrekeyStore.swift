import Foundation
import JuiceCore
import Sodium
import Synchronization

/// This machine's one-time prekey secrets (docs/protocol.md 5.1), in one file sealed under
/// ``LocalKeys/prekeys``.
///
/// The state in memory is always what the file holds: every change is written first (a new
/// 0600 file, synced, renamed over the old one, ``StateFileWriter/write(_:to:)``) and takes
/// effect only when the write succeeded, under the lock, so a caller never sees a secret the
/// disk does not have. A missing file is a new, empty store with a fresh set ID, written at its
/// first change; a file that cannot be read, is corrupt or does not open with the key is an
/// error, never taken as empty (that would lose the secrets of messages still waiting).
///
/// A change blocks its caller for one small file write (a few per login: the upload, the
/// server's count, an erase per message opened); reads never touch the disk.
public final class PrekeyStore: Sendable {
    /// How many unclaimed prekeys the server should hold after an upload.
    public static let uploadTarget = 100
    /// Below this many unclaimed prekeys on the server, the next login uploads more.
    public static let uploadBelow = 50
    /// How long a secret is kept at most: 30 days unclaimed, 14 waiting and one to spare.
    public static let secretLifetime: TimeInterval = 45 * 86_400
    /// Most secrets kept. A buddy may claim 30 prekeys an hour (5.1), and each login tops the
    /// server up again, so without a cap a hostile buddy could grow the file for 45 days; past
    /// the cap the oldest secrets are dropped (their messages, if any ever come, do not open).
    public static let maxSecrets = 2_000
    /// Size of the set ID.
    public static let setIDLength = 16

    private let file: URL
    private let key: SecretBytes
    private let state: Mutex<PrekeyStoreContents>

    private init(file: URL, key: SecretBytes, contents: PrekeyStoreContents) {
        self.file = file
        self.key = key
        self.state = Mutex(contents)
    }

    /// Opens the store in `file` under `key` (``LocalKeys/prekeys``), dropping secrets older than
    /// ``secretLifetime`` (and saving the store if it dropped any). A missing file is a new store.
    public static func open(file: URL, key: SecretBytes, now: Date = .now) throws(InvalidValue) -> PrekeyStore {
        guard key.count == SecretBox.keyLength else { throw InvalidValue("the prekey store key must be \(SecretBox.keyLength) bytes") }
        let contents: PrekeyStoreContents
        if let data = try StateFile.read(file, what: "prekey store") {
            contents = try PrekeyStoreContents(sealed: Array(data), key: key, file: file)
        } else {
            contents = PrekeyStoreContents(setID: RandomBytes.bytes(setIDLength))
        }
        let store = PrekeyStore(file: file, key: key, contents: contents)
        let oldest = milliseconds(now.addingTimeInterval(-secretLifetime))
        try store.change { contents in
            contents.entries.removeAll { $0.createdAt < oldest }
        }
        return store
    }

    /// Names this machine's prekeys on the server (16 bytes, made once per store).
    public var setID: [UInt8] { state.withLock { $0.setID } }

    /// The server's count of this set's unclaimed prekeys after the last login, or nil when it
    /// never said (a new store).
    public var serverLeft: Int? { state.withLock { $0.serverLeft } }

    /// The public keys of the secrets the store holds, oldest first.
    public var publicKeys: [[UInt8]] { state.withLock { $0.entries.map(\.publicKey) } }

    /// How many secrets the store holds.
    public var count: Int { state.withLock { $0.entries.count } }

    /// The public keys to upload at this login: none when the server still holds at least
    /// ``uploadBelow`` (`serverLeft`), else `100 − serverLeft` new ones (100 when it never said).
    /// Their secrets are on disk before this returns, so a crash never leaves the server with a
    /// prekey whose secret is lost.
    public func prepareUpload(serverLeft: Int?, now: Date = .now) throws(InvalidValue) -> [[UInt8]] {
        if let serverLeft, serverLeft >= Self.uploadBelow { return [] }
        let wanted = Self.uploadTarget - max(0, serverLeft ?? 0)
        var fresh: [PrekeyStoreContents.Entry] = []
        for _ in 0..<wanted {
            do {
                let pair = try BoxKeyPair.generate()
                fresh.append(.init(createdAt: Self.milliseconds(now), publicKey: pair.publicKey, secretKey: pair.secretKey))
            } catch {
                throw InvalidValue("cannot make a prekey: \(error)")
            }
        }
        try change { contents in
            contents.entries += fresh
            contents.entries.removeFirst(max(0, contents.entries.count - Self.maxSecrets))
            // Counted as on the server until a login's reply says otherwise: logins that fail
            // (a server down, a wrong password) do not make a new batch each, which would push
            // the secrets of claimed prekeys past the cap.
            contents.serverLeft = max(0, serverLeft ?? 0) + fresh.count
        }
        return fresh.map(\.publicKey)
    }

    /// Records the server's `prekeysLeft` from a login reply, for the next login.
    public func recordServerLeft(_ count: Int) throws(InvalidValue) {
        guard count >= 0 else { throw InvalidValue("prekeysLeft must not be negative, got \(count)") }
        try change { $0.serverLeft = count }
    }

    /// The secret of the prekey `publicKey`, or nil when this store has none (5.5).
    public func secret(for publicKey: [UInt8]) -> SecretBytes? {
        state.withLock { contents in contents.entries.first { $0.publicKey == publicKey }?.secretKey }
    }

    /// Erases the secret of the prekey `publicKey` from the file (a no-op when it is not held),
    /// once the message sealed to it is in the history (5.5).
    public func erase(_ publicKey: [UInt8]) throws(InvalidValue) {
        try erase([publicKey])
    }

    /// Erases the secrets of all of `publicKeys` with one write.
    public func erase(_ publicKeys: [[UInt8]]) throws(InvalidValue) {
        let gone = Set(publicKeys)
        try change { contents in contents.entries.removeAll { gone.contains($0.publicKey) } }
    }

    /// Seals the store in `file` under `newKey` instead of `oldKey` (a password change gives a
    /// new key-encryption key, so new ``LocalKeys``); a missing file is left missing.
    public static func reseal(file: URL, from oldKey: SecretBytes, to newKey: SecretBytes) throws(InvalidValue) {
        guard let data = try StateFile.read(file, what: "prekey store") else { return }
        try write(try PrekeyStoreContents(sealed: Array(data), key: oldKey, file: file), key: newKey, to: file)
    }

    /// Applies `body` to a copy of the contents; when it changed them, writes the copy, then
    /// keeps it. Nothing changes when the write fails.
    private func change(_ body: (inout PrekeyStoreContents) -> Void) throws(InvalidValue) {
        try state.withLock { contents throws(InvalidValue) in
            var changed = contents
            body(&changed)
            guard changed != contents else { return }
            try Self.write(changed, key: key, to: file)
            contents = changed
        }
    }

    /// Seals `contents` under `key` into `file`, atomically.
    private static func write(_ contents: PrekeyStoreContents, key: SecretBytes, to file: URL) throws(InvalidValue) {
        let sealed = try contents.sealed(key: key)
        do {
            try StateFileWriter.write(Data(sealed), to: file)
        } catch let error as InvalidValue {
            throw error
        } catch {
            throw InvalidValue("cannot write the prekey store file \(file.path)")
        }
    }

    /// Unix milliseconds of `date` (0 before 1970).
    static func milliseconds(_ date: Date) -> UInt64 {
        UInt64(exactly: (date.timeIntervalSince1970 * 1000).rounded()) ?? 0
    }
}
