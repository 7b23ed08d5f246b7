import Foundation
import JuiceCore
import Sodium

/// What a ``PrekeyStore`` holds, and its file:
///
/// ```
/// file     = "juicepk" || 0x01 || SecretBox(contents)          (SecretBox: nonce 24 || ciphertext)
/// contents = setID (16) || serverLeft (8, big-endian; all ones: never told) || count (4)
///            || count × (createdAt (8, Unix milliseconds) || public key (32) || secret key (32))
/// ```
///
/// The contents are built and parsed in ``SecretBytes`` only, so no copy of a secret is left behind.
struct PrekeyStoreContents: Sendable, Equatable {
    /// One prekey.
    struct Entry: Sendable {
        /// When it was made (Unix milliseconds).
        let createdAt: UInt64
        /// Its public key, as uploaded.
        let publicKey: [UInt8]
        /// Its secret key.
        let secretKey: SecretBytes
    }

    /// The file's first bytes, in the clear: names the format.
    static let magic = Array("juicepk".utf8) + [1]
    /// Size of one entry in the contents.
    static let entryLength = 8 + 32 + 32
    /// Size of the contents before the entries.
    static let headerLength = PrekeyStore.setIDLength + 8 + 4

    /// Names the set on the server.
    var setID: [UInt8]
    /// The server's last `prekeysLeft`.
    var serverLeft: Int?
    /// The secrets, oldest first.
    var entries: [Entry] = []

    /// A new store's contents.
    init(setID: [UInt8]) {
        self.setID = setID
    }

    /// Opens and parses a store file's bytes.
    init(sealed: [UInt8], key: SecretBytes, file: URL) throws(InvalidValue) {
        guard sealed.count >= Self.magic.count, Array(sealed.prefix(Self.magic.count)) == Self.magic else { throw StateFile.corrupt(file, what: "prekey store") }
        let contents: SecretBytes
        do {
            contents = try SecretBox.open(Array(sealed.dropFirst(Self.magic.count)), key: key)
        } catch {
            throw InvalidValue("the prekey store file \(file.path) does not open with this account's key (another account's, or damaged); fix or remove it")
        }
        guard let parsed = contents.withUnsafeBytes({ Self.parse($0) }) else { throw StateFile.corrupt(file, what: "prekey store") }
        self = parsed
    }

    /// The file's bytes: the contents sealed under `key` behind the magic.
    func sealed(key: SecretBytes) throws(InvalidValue) -> [UInt8] {
        let contents = SecretBytes(count: Self.headerLength + entries.count * Self.entryLength) { out in
            var offset = 0
            func put(_ bytes: some Collection<UInt8>) {
                _ = UnsafeMutableRawBufferPointer(rebasing: out[offset..<offset + bytes.count]).initializeMemory(as: UInt8.self, from: bytes)
                offset += bytes.count
            }
            func putInteger(_ value: UInt64, bytes: Int) {
                put((0..<bytes).map { UInt8(truncatingIfNeeded: value >> UInt64(8 * (bytes - 1 - $0))) })
            }
            put(setID)
            putInteger(serverLeft.map { UInt64($0) } ?? .max, bytes: 8)
            putInteger(UInt64(entries.count), bytes: 4)
            for entry in entries {
                putInteger(entry.createdAt, bytes: 8)
                put(entry.publicKey)
                entry.secretKey.withUnsafeBytes { put($0) }
            }
        }
        do {
            return Self.magic + (try SecretBox.seal(contents, key: key))
        } catch {
            throw InvalidValue("cannot seal the prekey store: \(error)")
        }
    }

    /// The contents in `bytes`, or nil when they do not have the layout.
    private static func parse(_ bytes: UnsafeRawBufferPointer) -> PrekeyStoreContents? {
        guard bytes.count >= headerLength else { return nil }
        func integer(_ offset: Int, _ count: Int) -> UInt64 {
            bytes[offset..<offset + count].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
        var contents = PrekeyStoreContents(setID: Array(bytes[0..<PrekeyStore.setIDLength]))
        let serverLeft = integer(PrekeyStore.setIDLength, 8)
        if serverLeft != .max {
            guard let left = Int(exactly: serverLeft) else { return nil }
            contents.serverLeft = left
        }
        let count = Int(integer(PrekeyStore.setIDLength + 8, 4))
        guard bytes.count == headerLength + count * entryLength else { return nil }
        for index in 0..<count {
            let start = headerLength + index * entryLength
            contents.entries.append(Entry(
                createdAt: integer(start, 8),
                publicKey: Array(bytes[start + 8..<start + 40]),
                secretKey: SecretBytes(bytes[start + 40..<start + 72])
            ))
        }
        return contents
    }

    /// Equal when they would write the same file, secrets aside: the same set, `serverLeft` and
    /// prekeys. (A store changes its secrets only by adding or removing whole entries.)
    static func == (lhs: PrekeyStoreContents, rhs: PrekeyStoreContents) -> Bool {
        lhs.setID == rhs.setID && lhs.serverLeft == rhs.serverLeft
            && lhs.entries.map(\.publicKey) == rhs.entries.map(\.publicKey) && lhs.entries.map(\.createdAt) == rhs.entries.map(\.createdAt)
    }
}
