import Foundation
import JuiceCore
@testable import JuicePeer
import Sodium
import Testing

/// The pin and replay files are written in the background by one serial writer (issue 9): the
/// caller changes the state in memory and returns, a burst of changes costs a few writes, the
/// newest state is what lands on disk, and a failed write is still reported.
@Suite(.serialized) struct StateFileWriteTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("state-files-\(UInt32.random(in: 0...UInt32.max))")
    var replayFile: URL { directory.appendingPathComponent("replay.json") }
    var pinFile: URL { directory.appendingPathComponent("known_keys") }

    /// Runs `body` while the writer's queue is held: nothing reaches the disk until it returns.
    func whileTheWriterIsHeld<T>(_ body: () throws -> T) rethrows -> T {
        StateFileWriter.queue.suspend()
        defer { StateFileWriter.queue.resume() }
        return try body()
    }

    @Test func recordChangesTheStateAtOnceAndLeavesTheDiskToTheWriter() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let replay = try ReplayGuard(file: replayFile)
        let key = try BoxKeyPair.generate().publicKey, now = Parties.now()
        let existedWhileHeld = whileTheWriterIsHeld {
            for offset in 0..<1_000 { replay.record(key: key, timestamp: now - 1_000 + UInt64(offset)) }
            #expect(!replay.admits(key: key, timestamp: now - 1, now: now)) // in memory at once
            return FileManager.default.fileExists(atPath: replayFile.path)
        }
        #expect(!existedWhileHeld) // record() never wrote on the caller's thread
        try await replay.flush()
        #expect(replay.writer.writes == 1) // 1,000 records held back: one write, of the newest state
        let restarted = try ReplayGuard(file: replayFile)
        #expect(!restarted.admits(key: key, timestamp: now - 1, now: now))
        #expect(restarted.admits(key: key, timestamp: now, now: now))
    }

    @Test func aBurstOfRecordsCostsFarFewerWritesAndEndsWithTheNewestState() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let replay = try ReplayGuard(file: replayFile)
        let keys = try (0..<10).map { _ in try BoxKeyPair.generate().publicKey }, now = Parties.now()
        for offset in 0..<100 {
            for key in keys { replay.record(key: key, timestamp: now - 10_000 + UInt64(offset)) }
        }
        try await replay.flush()
        let writes = replay.writer.writes
        #expect(writes >= 1 && writes < 100, "\(writes) writes for 1,000 records")
        let restarted = try ReplayGuard(file: replayFile)
        for key in keys {
            #expect(!restarted.admits(key: key, timestamp: now - 10_000 + 99, now: now)) // the newest, refused as a replay
            #expect(restarted.admits(key: key, timestamp: now - 10_000 + 100, now: now))
        }
    }

    @Test func pinsReachTheDiskOnlyThroughTheWriterWithMode0600() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let pins = try KnownKeys(file: pinFile)
        let bob = try Username("bob"), key = try BoxKeyPair.generate().publicKey
        let existedWhileHeld = try whileTheWriterIsHeld { () throws -> Bool in
            #expect(try pins.check(bob, key) == .pinnedNow)
            #expect(try pins.check(bob, key) == .matches) // in memory at once
            return FileManager.default.fileExists(atPath: pinFile.path)
        }
        #expect(!existedWhileHeld)
        try await pins.flush()
        let mode = try FileManager.default.attributesOfItem(atPath: pinFile.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try KnownKeys(file: pinFile).check(bob, try BoxKeyPair.generate().publicKey) == .changed(pinned: key))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0 != "known_keys" }
        #expect(leftovers.isEmpty) // no temporary file left beside it
    }

    /// A directory that became a file: every write fails there.
    @Test func aFailedPinWriteIsReportedOnceAndThePinsHoldInMemory() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let blocked = directory.appendingPathComponent("blocked")
        let pins = try KnownKeys(file: blocked.appendingPathComponent("known_keys"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data().write(to: blocked)
        let bob = try Username("bob"), carol = try Username("carol"), key = try BoxKeyPair.generate().publicKey

        #expect(try pins.check(bob, key) == .pinnedNow)
        await #expect(throws: InvalidValue.self) { try await pins.flush() }
        try await pins.flush() // reported once
        #expect(try pins.check(bob, key) == .matches)

        let carolKey = try BoxKeyPair.generate().publicKey
        let (verdicts, before) = pins.check([(carol, carolKey)])
        #expect(verdicts == [.pinnedNow] && before == nil) // its own write is reported later
        StateFileWriter.waitForPendingWrites()
        let (_, after) = pins.check([(bob, key)])
        #expect(after != nil) // the next check reports the failed write

        try FileManager.default.removeItem(at: blocked)
        try pins.accept(bob, key) // nothing left to report; its write finds the directory back
        try await pins.flush()
        let reloaded = try KnownKeys(file: blocked.appendingPathComponent("known_keys"))
        #expect(try reloaded.check(carol, carolKey) == .matches)
        #expect(try reloaded.check(try Username("dave"), key) == .pinnedForAnother("bob"))
    }
}
