import Foundation
import JuiceClient
import JuiceCore
import JuiceTestSupport
import Sodium
import Testing

/// `juice history` against a history file written by ``HistoryLog`` under the key a known
/// password gives: no server, no database (the command makes no call).
@Suite struct HistoryEndToEndTests {
    let home = FileManager.default.temporaryDirectory.appendingPathComponent("juice-history-\(UInt64.random(in: 0...UInt64.max))").path
    /// The default server and realm, as `juice` names them when not told.
    let server = "http://127.0.0.1:7480"
    var file: URL {
        ClientState.directory(for: try! Username("alice"), scope: "juice@127.0.0.1:7480", environment: ["JUICE_HOME": home]).appendingPathComponent("history")
    }

    static let start = Date(timeIntervalSince1970: 1_795_000_000.5)
    static let entries = [
        HistoryEntry(id: "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a", buddy: "bob", direction: .sent, time: start, text: "pulp or no pulp?", state: .sent, forwardSecret: true),
        HistoryEntry(id: "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", buddy: "bob", direction: .received, time: start.addingTimeInterval(3), text: "no pulp\u{1B}]0;owned\u{07}", state: .received, forwardSecret: true),
        HistoryEntry(id: "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", buddy: "carol", direction: .received, time: start.addingTimeInterval(86_400 * 3), text: "left while you were away", state: .received, waiting: true, forwardSecret: false),
    ]

    private func juice(_ arguments: [String], stdin: String = "") async throws -> (status: Int32, output: String, error: String) {
        try await ManagedProcess.run(Binaries.juice, ["history", "--server", server] + arguments, stdin: stdin, environment: ["JUICE_HOME": home, "JUICE_USER": ""])
    }

    private func writeHistory(password: String = testPassword) async throws {
        let keys = try AccountKeys.derive(password: SecretBytes(Array(password.utf8)), username: Username("alice"), realm: .default)
        let log = try HistoryLog.open(file: file, key: try LocalKeys(keyEncryptionKey: keys.keyEncryptionKey).history)
        for entry in Self.entries { log.append(entry) }
        log.update(id: Self.entries[0].id, buddy: "bob", direction: .sent, state: .delivered)
        #expect(await log.flush())
        log.close()
    }

    /// What was written, as a reader gets it.
    static var folded: [HistoryEntry] {
        var folded = entries
        folded[0].state = .delivered
        return folded
    }

    @Test func jsonExportRoundTrips() async throws {
        defer { try? FileManager.default.removeItem(atPath: home) }
        try await writeHistory()
        let all = try await juice(["--user", "alice", "--password-stdin", "--json"], stdin: "\(testPassword)\n")
        #expect(all.status == 0, "\(all.error)")
        let decoded = try all.output.split(separator: "\n").map { try JSONDecoder().decode(HistoryEntry.self, from: Data($0.utf8)) }
        #expect(decoded == Self.folded)

        let bob = try await juice(["bob", "--user", "alice", "--password-stdin", "--json"], stdin: "\(testPassword)\n")
        #expect(try bob.output.split(separator: "\n").map { try JSONDecoder().decode(HistoryEntry.self, from: Data($0.utf8)) } == Array(Self.folded.prefix(2)))
        let since = try await juice(["--user", "alice", "--password-stdin", "--json", "--since", "2026-11-20"], stdin: "\(testPassword)\n")
        #expect(try since.output.split(separator: "\n").map { try JSONDecoder().decode(HistoryEntry.self, from: Data($0.utf8)) } == [Self.folded[2]])
        let grep = try await juice(["--user", "alice", "--password-stdin", "--json", "--grep", "PULP?"], stdin: "\(testPassword)\n")
        #expect(try grep.output.split(separator: "\n").map { try JSONDecoder().decode(HistoryEntry.self, from: Data($0.utf8)) } == [Self.folded[0]])
    }

    @Test func plainAndMarkdownAreSafeToPrint() async throws {
        defer { try? FileManager.default.removeItem(atPath: home) }
        try await writeHistory()
        let plain = try await juice(["bob", "--user", "alice", "--password-stdin"], stdin: "\(testPassword)\n")
        #expect(plain.status == 0, "\(plain.error)")
        let lines = plain.output.split(separator: "\n")
        #expect(lines.count == 2, "\(plain.output)")
        #expect(lines.first?.contains("-> bob [delivered] pulp or no pulp?") == true, "\(plain.output)")
        #expect(lines.last?.hasSuffix("<- bob [received] no pulp^[]0;owned^G") == true, "\(plain.output)")
        #expect(!plain.output.contains("\u{1B}"))

        let markdown = try await juice(["--user", "alice", "--password-stdin", "--markdown"], stdin: "\(testPassword)\n")
        #expect(markdown.status == 0, "\(markdown.error)")
        #expect(markdown.output.hasPrefix("# Juice history of alice\n"), "\(markdown.output)")
        #expect(markdown.output.contains("carol → alice (received, waiting, not forward secret): left while you were away"), "\(markdown.output)")
        #expect(!markdown.output.contains("\u{1B}"))
    }

    @Test func aWrongPasswordReadsNothing() async throws {
        defer { try? FileManager.default.removeItem(atPath: home) }
        try await writeHistory()
        let wrong = try await juice(["--user", "alice", "--password-stdin", "--json"], stdin: "Not-The-Password-99\n")
        #expect(wrong.status == 1)
        #expect(wrong.output.isEmpty, "\(wrong.output)")
        #expect(wrong.error.contains("wrong password, or not this user's history"), "\(wrong.error)")
        #expect(wrong.error.split(separator: "\n").count == 1, "\(wrong.error)")
        for entry in Self.entries { #expect(!wrong.error.contains(entry.text)) }
    }

    @Test func noHistoryYetIsNoError() async throws {
        defer { try? FileManager.default.removeItem(atPath: home) }
        let none = try await juice(["bob", "--user", "alice", "--password-stdin"], stdin: "")
        #expect(none.status == 0, "\(none.error)")
        #expect(none.output.contains("no history of alice on this machine yet"), "\(none.output)")
    }

    @Test func badArgumentsAreUsageErrors() async throws {
        for arguments in [["--user", "alice", "--since", "last tuesday"], ["--user", "alice", "--json", "--markdown"], ["bob", "--user", "alice", "--delete", "--yes"], ["--user", "alice", "--yes"]] {
            let result = try await juice(arguments)
            #expect(result.status == 64, "\(arguments): \(result.error)")
            #expect(result.error.hasPrefix("juice: error: ") && result.error.split(separator: "\n").count == 1, "\(arguments): \(result.error)")
        }
    }

    @Test func deleteIsOneCommand() async throws {
        defer { try? FileManager.default.removeItem(atPath: home) }
        try await writeHistory()
        // Not a terminal and no --yes: refused, nothing deleted.
        let refused = try await juice(["--user", "alice", "--delete"])
        #expect(refused.status == 64, "\(refused.error)")
        #expect(FileManager.default.fileExists(atPath: file.path))

        let deleted = try await juice(["--user", "alice", "--delete", "--yes"])
        #expect(deleted.status == 0, "\(deleted.error)")
        #expect(deleted.output.contains("deleted the message history of alice"), "\(deleted.output)")
        #expect(!FileManager.default.fileExists(atPath: file.path))

        let again = try await juice(["--user", "alice", "--delete", "--yes", "--json"])
        #expect(again.status == 0, "\(again.error)")
        #expect(again.output.contains(#""deleted":false"#), "\(again.output)")
    }
}

/// A live chat is recorded on both sides: `/history` in the session and `juice history` after it.
@Suite(.serialized) struct HistorySessionEndToEndTests {
    @Test func aChatIsRecordedAndShownInAndOutOfTheSession() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob"], buddies: [("alice", "bob")])
            let bob = try juice.login("bob", password: testPassword, ["--keepalive", "1"])
            try #require(await bob.waitForEvent("ready") != nil, "bob: \(bob.errorOutput)")
            let alice = try juice.login("alice", password: testPassword, ["--keepalive", "1"])
            try #require(await alice.waitForEvent("online") { $0["username"] as? String == "bob" } != nil, "alice: \(alice.output)")

            alice.send("/msg bob the fridge code is 4711")
            let atBob = try #require(await bob.waitForEvent("message") { $0["from"] as? String == "alice" })
            let id = try #require(atBob["id"] as? String)
            #expect(await alice.waitForEvent("delivered") { $0["id"] as? String == id } != nil)

            // The receipt is recorded before /history reads: both go through the log's queue in order.
            alice.send("/history bob")
            let mine = try #require(await alice.waitForEvent("history") { $0["id"] as? String == id }, "alice: \(alice.output)")
            #expect(mine["direction"] as? String == "sent")
            #expect(mine["state"] as? String == "delivered")
            #expect(mine["text"] as? String == "the fridge code is 4711")
            bob.send("/history alice 1")
            let theirs = try #require(await bob.waitForEvent("history") { $0["id"] as? String == id }, "bob: \(bob.output)")
            #expect(theirs["direction"] as? String == "received")
            #expect(theirs["state"] as? String == "received")
            bob.send("/history carol")
            #expect(await bob.waitForEvent("info") { ($0["message"] as? String) == "no history with carol" } != nil)

            alice.closeInput()
            bob.closeInput()
            #expect(await alice.waitForExit() == 0)
            #expect(await bob.waitForExit() == 0)

            let shown = try await juice.juice(["history", "bob", "--user", "alice", "--password-stdin", "--json"], stdin: "\(testPassword)\n")
            #expect(shown.status == 0, "\(shown.error)")
            let entries = try shown.output.split(separator: "\n").map { try JSONDecoder().decode(HistoryEntry.self, from: Data($0.utf8)) }
            #expect(entries.map(\.id) == [id])
            #expect(entries.first?.state == .delivered)

            // A new password re-seals the history on this machine: the new one opens it, the old one no longer.
            let newPassword = "Pressed-Again-2027?"
            let changed = try await juice.juice(["passwd", "alice", "--password-stdin"], stdin: "\(testPassword)\n\(newPassword)\n")
            #expect(changed.status == 0, "\(changed.error)")
            let withNew = try await juice.juice(["history", "bob", "--user", "alice", "--password-stdin", "--json"], stdin: "\(newPassword)\n")
            #expect(withNew.output == shown.output, "\(withNew.error)")
            let withOld = try await juice.juice(["history", "bob", "--user", "alice", "--password-stdin", "--json"], stdin: "\(testPassword)\n")
            #expect(withOld.status == 1 && withOld.error.contains("wrong password, or not this user's history"), "\(withOld.error)")

            // Nothing of the chat is in the client's files in the clear.
            let files = FileManager.default.enumerator(atPath: juice.clientHome)?.compactMap { $0 as? String } ?? []
            #expect(files.contains { $0.hasSuffix("alice/history") }, "\(files)")
            for path in files {
                let data = FileManager.default.contents(atPath: juice.clientHome + "/" + path) ?? Data()
                #expect(data.range(of: Data("fridge code".utf8)) == nil, "\(path) holds the message in the clear")
            }
        }
    }

    /// `kill -9` right after the last message went out: every earlier message is in the history
    /// (each was synced well before the next, at chat speed); the last may or may not be.
    @Test func aCrashLosesAtMostTheLastMessage() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob"], buddies: [("alice", "bob")])
            let bob = try juice.login("bob", password: testPassword, ["--keepalive", "1"])
            try #require(await bob.waitForEvent("ready") != nil, "bob: \(bob.errorOutput)")
            let alice = try juice.login("alice", password: testPassword, ["--keepalive", "1"])
            try #require(await alice.waitForEvent("online") { $0["username"] as? String == "bob" } != nil, "alice: \(alice.output)")

            var ids: [String] = []
            for n in 1...5 {
                alice.send("/msg bob message \(n)")
                let sent = try #require(await alice.waitForEvent("sent") { event in (event["id"] as? String).map { !ids.contains($0) } ?? false })
                ids.append(try #require(sent["id"] as? String))
                if n < 5 {
                    #expect(await alice.waitForEvent("delivered") { $0["id"] as? String == ids.last } != nil)
                    try await Task.sleep(for: .milliseconds(200)) // chat speed: far longer than a sync
                }
            }
            alice.kill() // SIGKILL: no goodbye, no close, nothing flushed on the way out
            _ = await alice.waitForExit()
            bob.closeInput()
            _ = await bob.waitForExit()

            let shown = try await juice.juice(["history", "bob", "--user", "alice", "--password-stdin", "--json"], stdin: "\(testPassword)\n")
            #expect(shown.status == 0, "\(shown.error)")
            let recorded = try shown.output.split(separator: "\n").map { try JSONDecoder().decode(HistoryEntry.self, from: Data($0.utf8)) }.map(\.id)
            #expect(Array(recorded.prefix(4)) == Array(ids.prefix(4)), "\(shown.output)")
            #expect(recorded.count >= 4 && recorded.count <= 5, "\(shown.output)")
        }
    }
}
