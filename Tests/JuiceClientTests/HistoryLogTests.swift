import Foundation
@testable import JuiceClient
import JuiceCore
import Glibc
import Sodium
import Synchronization
import Testing

/// The history file on real disk with real libsodium: what it reveals, what survives a torn
/// write, what a wrong key gets.
@Suite struct HistoryLogTests {
    let directory: URL
    var file: URL { directory.appendingPathComponent("state/alice/history") }
    let key = RandomBytes.secret(SecretBox.keyLength)

    init() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UInt64.random(in: 0...UInt64.max))")
    }

    static let start = Date(timeIntervalSince1970: 1_795_000_000.123)

    /// Four messages with two buddies, every kind the file has to carry.
    static let samples: [HistoryEntry] = [
        HistoryEntry(id: "00112233445566778899aabbccddeeff", buddy: "bob", direction: .sent, time: start, text: "the orange marmalade is in the fridge", state: .sent, forwardSecret: true),
        HistoryEntry(id: "00112233445566778899aabbccddeeff", buddy: "bob", direction: .received, time: start.addingTimeInterval(1.5), text: "thanks 🍊\nsecond line", state: .received, forwardSecret: true),
        HistoryEntry(id: "ffeeddccbbaa99887766554433221100", buddy: "carol", direction: .received, time: start.addingTimeInterval(-60), text: "waiting since yesterday", state: .received, waiting: true, forwardSecret: false),
        HistoryEntry(id: "0123456789abcdef0123456789abcdef", buddy: "carol", direction: .sent, time: start.addingTimeInterval(2.25), text: "queued for carol", state: .queued, waiting: true),
    ]

    private func cleanUp() { try? FileManager.default.removeItem(at: directory) }

    private func writeSamples() async throws -> HistoryLog {
        let log = try HistoryLog.open(file: file, key: key)
        for entry in Self.samples { #expect(log.append(entry)) }
        #expect(log.update(id: Self.samples[0].id, buddy: "bob", direction: .sent, state: .delivered))
        #expect(await log.flush())
        return log
    }

    /// The samples as a reader sees them: states folded, ordered by time.
    static var expected: [HistoryEntry] {
        var entries = samples
        entries[0].state = .delivered
        return [entries[2], entries[0], entries[1], entries[3]]
    }

    @Test func readsBackWhatWasAppendedWithStatesFolded() async throws {
        defer { cleanUp() }
        let log = try await writeSamples()
        #expect(try log.entries() == Self.expected)
        #expect(try log.entries(buddy: "carol") == [Self.expected[0], Self.expected[3]])
        #expect(try log.entries(grep: "MARMALADE") == [Self.expected[1]])
        #expect(try log.entries(since: Self.start) == Array(Self.expected.dropFirst()))
        #expect(try log.entries(last: 2) == Array(Self.expected.suffix(2)))
        #expect(try await log.recent(buddy: "bob", last: 1) == [Self.expected[2]])
        log.close()

        // Another process (or the next session) sees the same, and knows the IDs.
        #expect(try HistoryFile.read(file: file, key: key) == Self.expected)
        let again = try HistoryLog.open(file: file, key: key)
        #expect(again.contains(id: Self.samples[1].id, buddy: "bob", direction: .received))
        #expect(!again.contains(id: Self.samples[1].id, buddy: "carol", direction: .received))
        #expect(!again.append(Self.samples[1]), "a message already in the history is not recorded twice")
        #expect(!again.update(id: "deadbeef", buddy: "bob", direction: .sent, state: .delivered), "no state for an unknown message")
        again.close()
        #expect(try HistoryFile.read(file: file, key: key) == Self.expected)
    }

    @Test func newFileAndDirectoryAreForTheOwnerOnly() async throws {
        defer { cleanUp() }
        let log = try await writeSamples()
        log.close()
        let fileMode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        let directoryMode = try FileManager.default.attributesOfItem(atPath: file.deletingLastPathComponent().path)[.posixPermissions] as? Int
        #expect(fileMode == 0o600)
        #expect(directoryMode == 0o700)
    }

    @Test func aWrongKeyCannotReadIt() async throws {
        defer { cleanUp() }
        try await writeSamples().close()
        let wrong = RandomBytes.secret(SecretBox.keyLength)
        expectWrongKey { _ = try HistoryFile.read(file: file, key: wrong) }
        expectWrongKey { _ = try HistoryLog.open(file: file, key: wrong) }
        // Nothing was changed by the failed attempts.
        #expect(try HistoryFile.read(file: file, key: key) == Self.expected)
    }

    private func expectWrongKey(_ attempt: () throws -> Void) {
        do {
            try attempt()
            Issue.record("a wrong key read the history")
        } catch {
            let message = "\(error)"
            #expect(message.contains("wrong password, or not this user's history"))
            #expect(!message.contains("\n"))
            for entry in Self.samples { #expect(!message.contains(entry.text)) }
        }
    }

    @Test func theFileHoldsNoPlaintext() async throws {
        defer { cleanUp() }
        try await writeSamples().close()
        let raw = try Data(contentsOf: file)
        var needles = ["bob", "carol", "marmalade", "🍊", "waiting", "queued", "delivered", "received"]
        needles += ["\"id\"", "\"buddy\"", "\"direction\"", "\"text\"", "\"time\"", "\"state\"", "\"entry\"", "forwardSecret"]
        needles += Self.samples.map(\.id) + Self.samples.map { HistoryTime.format($0.time) }
        for needle in needles {
            #expect(raw.range(of: Data(needle.utf8)) == nil, "\(needle) is in the file in the clear")
        }
        // The ID bytes themselves are not there either.
        let idBytes = Data(stride(from: 0, to: 32, by: 2).map { UInt8(Self.samples[0].id.dropFirst($0).prefix(2), radix: 16)! })
        #expect(raw.range(of: idBytes) == nil)
    }

    @Test(arguments: [1, 3, 17, 40])
    func aTornTailIsIgnoredAndRepairedByTheNextWriter(cut: Int) async throws {
        defer { cleanUp() }
        try await writeSamples().close()
        let whole = try Data(contentsOf: file)
        // The last record is the state change; cut into it.
        try whole.prefix(whole.count - cut).write(to: file)
        var expected = Self.expected
        expected[1].state = .sent
        #expect(try HistoryFile.read(file: file, key: key) == expected)

        let log = try HistoryLog.open(file: file, key: key)
        #expect(log.update(id: Self.samples[0].id, buddy: "bob", direction: .sent, state: .delivered))
        #expect(await log.flush())
        log.close()
        #expect(try HistoryFile.read(file: file, key: key) == Self.expected)
        #expect(try Data(contentsOf: file).count == whole.count, "the torn bytes were cut off before the append")
    }

    @Test func aTornTailOfZerosOrGarbageIsIgnored() async throws {
        defer { cleanUp() }
        try await writeSamples().close()
        let whole = try Data(contentsOf: file)
        // A crash after the file grew but before the data reached it leaves zeros.
        try (whole + Data(count: 300)).write(to: file)
        #expect(try HistoryFile.read(file: file, key: key) == Self.expected)
        // A whole-length last record that does not authenticate is torn too.
        var flipped = whole
        flipped[flipped.count - 5] ^= 0x01
        try flipped.write(to: file)
        var expected = Self.expected
        expected[1].state = .sent
        #expect(try HistoryFile.read(file: file, key: key) == expected)
    }

    @Test func aDamagedRecordBeforeTheEndIsAnErrorNotSilentLoss() async throws {
        defer { cleanUp() }
        try await writeSamples().close()
        var damaged = try Data(contentsOf: file)
        damaged[HistoryFile.headerLength + 40] ^= 0x01 // inside the first record
        try damaged.write(to: file)
        #expect(throws: InvalidValue.self) { try HistoryFile.read(file: file, key: key) }
        #expect(throws: InvalidValue.self) { try HistoryLog.open(file: file, key: key) }
    }

    @Test func whatWasFlushedIsOnDiskForAFreshReader() async throws {
        defer { cleanUp() }
        let log = try HistoryLog.open(file: file, key: key)
        for n in 0..<50 {
            log.append(HistoryEntry(id: String(format: "%032x", n), buddy: "bob", direction: .sent, time: Self.start, text: "message \(n)", state: .sent))
            #expect(await log.flush())
            // Read the file as a new process would after a crash now: the message is there.
            #expect(try HistoryFile.read(file: file, key: key)?.count == n + 1)
        }
        log.close()
    }

    /// The chat path only hands a record over: with the writer held, 10,000 appends still all
    /// return, none of them on disk yet; released, all of them are written.
    @Test func appendsNeverWaitForTheDisk() async throws {
        defer { cleanUp() }
        let log = try HistoryLog.open(file: file, key: key)
        let held = DispatchSemaphore(value: 0)
        log.queue.async { held.wait() }
        let headerOnly = try Data(contentsOf: file).count
        let appended = DispatchSemaphore(value: 0)
        let count = 10_000
        Thread.detachNewThread {
            for n in 0..<count {
                log.append(HistoryEntry(id: String(format: "%032x", n), buddy: "bob", direction: .received, time: Self.start, text: String(repeating: "x", count: 100), state: .received))
            }
            appended.signal()
        }
        let returned = appended.wait(timeout: .now() + 60) == .success
        #expect(returned, "appends waited for the held writer")
        #expect(try Data(contentsOf: file).count == headerOnly, "nothing can be written while the writer is held")
        #expect(log.contains(id: String(format: "%032x", count - 1), buddy: "bob", direction: .received), "queued entries count for de-duplication")
        held.signal()
        if !returned { _ = appended.wait(timeout: .now() + 60) }
        #expect(await log.flush())
        #expect(try log.entries().count == count)
        log.close()
    }

    @Test func resealingMovesItToTheNewKey() async throws {
        defer { cleanUp() }
        try await writeSamples().close()
        let newKey = RandomBytes.secret(SecretBox.keyLength)
        #expect(try HistoryFile.reseal(file: file, from: key, to: newKey))
        #expect(try HistoryFile.read(file: file, key: newKey) == Self.expected)
        #expect(throws: InvalidValue.self) { try HistoryFile.read(file: file, key: key) }
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try !HistoryFile.reseal(file: directory.appendingPathComponent("none"), from: key, to: newKey))
    }

    /// A disk that refuses the write: one warning, the chat goes on, `flush` says so, and what was
    /// on disk before is still readable.
    @Test func aFailingWriteWarnsOnceAndNeverBlocks() async throws {
        defer { cleanUp() }
        let warnings = Mutex<[String]>([])
        let log = try HistoryLog.open(file: file, key: key) { warning in warnings.withLock { $0.append(warning) } }
        log.append(Self.samples[0])
        #expect(await log.flush())
        log.writeTo(descriptor: Glibc.open(file.path, O_RDONLY | O_CLOEXEC))
        for entry in Self.samples.dropFirst() { #expect(log.append(entry)) }
        #expect(await log.flush() == false)
        log.update(id: Self.samples[1].id, buddy: "bob", direction: .received, state: .failed)
        #expect(await log.flush() == false)
        let seen = warnings.withLock { $0 }
        #expect(seen.count == 1, "\(seen)")
        #expect(seen.first?.hasPrefix("history: cannot write \(file.path): ") == true, "\(seen)")
        #expect(seen.first?.contains("\n") == false)
        #expect(try log.entries() == [Self.samples[0]])
        log.close()
    }

    @Test func deletingRemovesTheFile() async throws {
        defer { cleanUp() }
        try await writeSamples().close()
        #expect(try HistoryFile.delete(file: file))
        #expect(!FileManager.default.fileExists(atPath: file.path))
        #expect(try !HistoryFile.delete(file: file))
        #expect(try HistoryFile.read(file: file, key: key) == nil)
    }

    @Test func jsonRoundTripsToTheMillisecond() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for entry in Self.samples {
            let json = try encoder.encode(entry)
            #expect(try JSONDecoder().decode(HistoryEntry.self, from: json) == entry)
        }
        let line = String(decoding: try encoder.encode(Self.samples[3]), as: UTF8.self)
        #expect(line.contains(#""forwardSecret":null"#))
        #expect(line.contains(#""time":"2026-11-18T"#) && line.contains("T11:06:42.373Z"), "\(line)")
    }
}

@Suite struct HistoryTextTests {
    let entry = HistoryEntry(id: "01", buddy: "bob", direction: .received, time: Date(timeIntervalSince1970: 0), text: "hi\u{1B}[2J\nthere", state: .received, waiting: true, forwardSecret: false)

    @Test func plainLinesAreSafe() {
        let line = entry.line(timeZone: TimeZone(identifier: "UTC")!)
        #expect(line == "1970-01-01 00:00:00 <- bob [received, waiting, not forward secret] hi^[[2J\n    there")
    }

    @Test func markdownEscapesWhatItMustAndKeepsLines() {
        var sent = entry
        sent.direction = .sent
        sent.state = .delivered
        sent.waiting = false
        sent.forwardSecret = nil
        sent.text = "*not bold* - [link](x)\n# not a heading"
        let document = HistoryMarkdown.document([entry, sent], user: "alice", buddy: "bob", timeZone: TimeZone(identifier: "UTC")!)
        let expected = ##"""
        # Juice history of alice with bob

        ## 1970-01-01

        - **00:00:00** bob → alice (received, waiting, not forward secret): hi^\[\[2J  
          there
        - **00:00:00** alice → bob (delivered): \*not bold\* - \[link\](x)  
          \# not a heading

        """##
        #expect(document == expected)
    }

    @Test func sinceTakesDatesAndRFC3339() {
        let utc = TimeZone(identifier: "UTC")!
        #expect(HistoryTime.parseSince("2026-11-22", timeZone: utc) == Date(timeIntervalSince1970: 1_795_305_600))
        #expect(HistoryTime.parseSince("2026-11-22T10:00:00Z") == Date(timeIntervalSince1970: 1_795_341_600))
        #expect(HistoryTime.parseSince("2026-11-22T11:00:00.5+01:00") == Date(timeIntervalSince1970: 1_795_341_600.5))
        for bad in ["2026-13-01", "2026-02-30", "yesterday", "2026-11-22 10:00", ""] {
            #expect(HistoryTime.parseSince(bad) == nil, "\(bad)")
        }
    }

    @Test func sessionCommandAndEvent() throws {
        #expect(SessionCommand(line: "/history bob") == .history("bob", last: 20))
        #expect(SessionCommand(line: "/history bob 5") == .history("bob", last: 5))
        for bad in ["/history", "/history bob 0", "/history bob many", "/history bob 5 6"] {
            guard case .invalid = SessionCommand(line: bad) else { Issue.record("\(bad) should be invalid"); continue }
        }
        let data = try JSONEncoder().encode(SessionEvent.history(entry).json)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(object?["event"] as? String == "history")
        #expect(object?["buddy"] as? String == "bob")
        #expect(object?["time"] as? String == "1970-01-01T00:00:00.000Z")
        #expect(object?["forwardSecret"] as? Bool == false)
        #expect(SessionEvent.history(entry).text(.session).hasSuffix("hi^[[2J\n    there"))
    }
}
