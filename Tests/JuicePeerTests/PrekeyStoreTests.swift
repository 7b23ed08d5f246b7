import Foundation
import JuiceCore
@testable import JuicePeer
import JuiceTestSupport
import Sodium
import Testing

/// The machine's one-time prekey secrets on disk (docs/protocol.md 5.1, 5.5).
@Suite struct PrekeyStoreTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prekeys-\(UInt32.random(in: 0...UInt32.max))")
    var file: URL { directory.appendingPathComponent("prekeys") }
    let key = RandomBytes.secret(32)
    let day: TimeInterval = 86_400

    func fileBytes() throws -> [UInt8] { Array(try Data(contentsOf: file)) }

    @Test func aMissingFileIsANewStoreWrittenAtItsFirstChange() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try PrekeyStore.open(file: file, key: key)
        #expect(store.setID.count == 16 && store.serverLeft == nil && store.count == 0)
        #expect(!FileManager.default.fileExists(atPath: file.path))
        #expect(try PrekeyStore.open(file: file, key: key).setID != store.setID) // a fresh set ID each time until written
        _ = try store.prepareUpload(serverLeft: nil)
        #expect(try PrekeyStore.open(file: file, key: key).setID == store.setID)
    }

    @Test func persistsAndReopens() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try PrekeyStore.open(file: file, key: key)
        let uploaded = try store.prepareUpload(serverLeft: nil)
        #expect(uploaded.count == 100 && Set(uploaded).count == 100)
        for publicKey in uploaded { try BoxKeyPair.validate(publicKey: publicKey) }
        try store.recordServerLeft(42)
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let reopened = try PrekeyStore.open(file: file, key: key)
        #expect(reopened.setID == store.setID)
        #expect(reopened.serverLeft == 42)
        #expect(reopened.count == 100)
        for publicKey in uploaded {
            let secret = try #require(reopened.secret(for: publicKey))
            #expect(try BoxKeyPair(secretKey: secret).publicKey == publicKey)
        }
        #expect(reopened.secret(for: try BoxKeyPair.generate().publicKey) == nil)
        // The file holds no secret or public key in the clear.
        let bytes = try fileBytes()
        #expect(!contains(bytes, uploaded[0]) && !contains(bytes, store.setID))
        #expect(!contains(bytes, try #require(reopened.secret(for: uploaded[0])).copiedBytes))
        #expect(throws: InvalidValue("prekeysLeft must not be negative, got -1")) { try store.recordServerLeft(-1) }
    }

    @Test func uploadsOnlyWhenTheServerRunsLow() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try PrekeyStore.open(file: file, key: key)
        #expect(try store.prepareUpload(serverLeft: nil).count == 100)
        // Counted as uploaded until a login says otherwise: a login that failed makes no new batch.
        #expect(store.serverLeft == 100)
        #expect(try store.prepareUpload(serverLeft: store.serverLeft).count == 0)
        #expect(try store.prepareUpload(serverLeft: 49).count == 51)
        let before = try fileBytes()
        #expect(try store.prepareUpload(serverLeft: 50).count == 0)
        #expect(try store.prepareUpload(serverLeft: 100).count == 0)
        #expect(try fileBytes() == before) // nothing to upload, nothing written
        #expect(try store.prepareUpload(serverLeft: 0).count == 100)
        #expect(try store.prepareUpload(serverLeft: -5).count == 100)
        #expect(store.count == 351)
        #expect(try PrekeyStore.open(file: file, key: key).count == 351)
    }

    @Test func secretsExpireAfter45DaysAtOpen() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let store = try PrekeyStore.open(file: file, key: key, now: start)
        let old = try store.prepareUpload(serverLeft: nil, now: start)
        let young = try store.prepareUpload(serverLeft: 0, now: start.addingTimeInterval(40 * day))
        #expect(try PrekeyStore.open(file: file, key: key, now: start.addingTimeInterval(45 * day)).count == 200) // exactly 45 days: kept
        let later = try PrekeyStore.open(file: file, key: key, now: start.addingTimeInterval(45 * day + 1))
        #expect(later.count == 100)
        #expect(later.secret(for: old[0]) == nil && later.secret(for: young[0]) != nil)
        // The drop was saved: the file no longer has them even for an earlier clock.
        #expect(try PrekeyStore.open(file: file, key: key, now: start).count == 100)
    }

    @Test func eraseIsSavedAndANoOpWhenAbsent() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try PrekeyStore.open(file: file, key: key)
        let uploaded = try store.prepareUpload(serverLeft: nil)
        try store.erase(uploaded[3])
        #expect(store.secret(for: uploaded[3]) == nil && store.count == 99)
        let reopened = try PrekeyStore.open(file: file, key: key)
        #expect(reopened.secret(for: uploaded[3]) == nil && reopened.count == 99)
        let before = try fileBytes()
        try store.erase(uploaded[3])
        try store.erase(try BoxKeyPair.generate().publicKey)
        #expect(try fileBytes() == before)
    }

    @Test func concurrentChangesAllReachTheFile() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try PrekeyStore.open(file: file, key: key)
        let uploaded = try store.prepareUpload(serverLeft: nil)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<10 {
                group.addTask {
                    for publicKey in uploaded[(task * 10)..<(task * 10 + 9)] { try store.erase(publicKey) }
                    try store.recordServerLeft(task)
                }
            }
            try await group.waitForAll()
        }
        let reopened = try PrekeyStore.open(file: file, key: key)
        #expect(store.count == 10 && reopened.count == 10)
        #expect((0..<10).allSatisfy { reopened.secret(for: uploaded[$0 * 10 + 9]) != nil })
        #expect(reopened.serverLeft == store.serverLeft)
    }

    @Test func theOldestSecretsGoPastTheCap() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try PrekeyStore.open(file: file, key: key)
        let first = try store.prepareUpload(serverLeft: nil)
        var last: [[UInt8]] = []
        for _ in 0..<20 { last = try store.prepareUpload(serverLeft: 0) }
        #expect(store.count == PrekeyStore.maxSecrets)
        let reopened = try PrekeyStore.open(file: file, key: key)
        #expect(reopened.count == 2_000)
        #expect(reopened.secret(for: first[99]) == nil && reopened.secret(for: last[99]) != nil)
    }

    @Test func aWrongKeyIsAClearErrorWithoutSecrets() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try PrekeyStore.open(file: file, key: key).prepareUpload(serverLeft: nil)
        let wrong = RandomBytes.secret(32)
        let expected = InvalidValue("the prekey store file \(file.path) does not open with this account's key (another account's, or damaged); fix or remove it")
        #expect(throws: expected) { try PrekeyStore.open(file: file, key: wrong) }
        #expect(!expected.message.contains(hex(wrong.copiedBytes)) && !expected.message.contains(hex(key.copiedBytes)))
        #expect(throws: InvalidValue("the prekey store key must be 32 bytes")) { try PrekeyStore.open(file: file, key: SecretBytes([1, 2, 3])) }
        #expect(try PrekeyStore.open(file: file, key: key).count == 100) // the file is untouched
    }

    @Test func aCorruptOrUnreadableFileIsAClearErrorNeverEmpty() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let corrupt = InvalidValue("the prekey store file \(file.path) is corrupt; fix or remove it")
        try Data("not a prekey store".utf8).write(to: file)
        #expect(throws: corrupt) { try PrekeyStore.open(file: file, key: key) }
        try Data().write(to: file)
        #expect(throws: corrupt) { try PrekeyStore.open(file: file, key: key) }
        // The right magic and key, but contents of the wrong length.
        try Data(PrekeyStoreContents.magic + (try SecretBox.seal(SecretBytes([1, 2, 3]), key: key))).write(to: file)
        #expect(throws: corrupt) { try PrekeyStore.open(file: file, key: key) }
        // A truncated file.
        try FileManager.default.removeItem(at: file)
        _ = try PrekeyStore.open(file: file, key: key).prepareUpload(serverLeft: nil)
        try Data(try fileBytes().dropLast(10)).write(to: file)
        #expect(throws: InvalidValue.self) { try PrekeyStore.open(file: file, key: key) }
        // A directory where the file should be.
        try FileManager.default.removeItem(at: file)
        try FileManager.default.createDirectory(at: file, withIntermediateDirectories: true)
        #expect(throws: InvalidValue("cannot read the prekey store file \(file.path); fix or remove it")) { try PrekeyStore.open(file: file, key: key) }
    }
}
