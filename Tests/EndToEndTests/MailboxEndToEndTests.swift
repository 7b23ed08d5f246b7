import Foundation
import JuiceCore
import JuicePeer
import JuiceTestSupport
import Postgres
import Sodium
import Testing

/// Waiting messages with real processes (docs/protocol.md 5): alice writes to bob while he is
/// offline, bob gets them with his next login, in order and with their original times, in his
/// events and his history; alice hears `delivered`; nothing readable is left on the server or on
/// the wire, and the prekey that sealed a message is gone once it is read.
@Suite(.serialized) struct MailboxEndToEndTests {
    static let texts = ["first while you were out 🍊", "second: the quote \"x\"", "third and last"]

    @Test func threeMessagesLeftForAnOfflineBuddyArriveInOrderAtHisLogin() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob"], buddies: [("alice", "bob")])
            // Both clients reach juiced through a proxy that records the wire.
            let proxy = try await RecordingProxy(targetPort: juice.port)
            defer { Task { await proxy.close() } }
            let server = ["--server", "http://127.0.0.1:\(proxy.port)"]
            // bob's first login uploads his prekeys; then he goes offline.
            let first = try juice.login("bob", password: testPassword, server)
            _ = try #require(await first.waitForEvent("ready"), "bob: \(first.errorOutput)")
            first.closeInput()
            #expect(await first.waitForExit(timeout: .seconds(15)) == 0)
            #expect(try await juice.psql("SELECT count(*) FROM prekeys") == ["100"])

            let alice = try juice.login("alice", password: testPassword, server)
            _ = try #require(await alice.waitForEvent("ready"), "alice: \(alice.errorOutput)")
            // Too long to leave: refused before a prekey of bob's is spent on it.
            alice.send("/msg bob " + String(repeating: "x", count: WaitingEnvelope.maxTextBytes + 1))
            #expect(await alice.waitForEvent("error") { ($0["message"] as? String)?.contains("at most 16384 bytes") == true } != nil, "alice: \(alice.output)")
            #expect(try await juice.psql("SELECT count(*) FROM prekeys p JOIN accounts a ON a.id = p.account_id WHERE a.username = 'bob'") == ["100"])
            var sentAt: [Date] = []
            for (index, text) in Self.texts.enumerated() {
                sentAt.append(Date())
                alice.send("/msg bob \(text)")
                let queued = await alice.waitForLines(timeout: .seconds(15), count: index + 1) { event($0)["event"] as? String == "queued" }
                #expect(queued.count == index + 1, "alice: \(alice.output)")
            }
            #expect(try await juice.psql("SELECT messages FROM mailbox_sizes WHERE username = 'bob'") == ["3"])
            #expect(try await juice.psql("SELECT count(*) FROM prekeys p JOIN accounts a ON a.id = p.account_id WHERE a.username = 'bob'") == ["97"], "one prekey claimed per message")
            let stored = try await juice.psql("SELECT encode(m.envelope, 'hex') FROM mailbox m ORDER BY seq")
            let dump = try await juice.psql("SELECT m::text FROM mailbox m") + (try await juice.psql("SELECT p::text FROM prekeys p"))

            let bob = try juice.login("bob", password: testPassword, server)
            var received: [[String: Any]] = []
            for _ in Self.texts {
                let message = await bob.waitForEvent("message") { event in
                    event["waiting"] as? Bool == true && !received.contains { $0["id"] as? String == event["id"] as? String }
                }
                received.append(try #require(message, "bob: \(bob.output) \(bob.errorOutput)"))
            }
            #expect(received.map { $0["text"] as? String } == Self.texts, "in order")
            #expect(received.allSatisfy { $0["from"] as? String == "alice" && $0["forwardSecret"] as? Bool == true })
            // Their own times, as alice sent them, not the login's.
            for (event, sent) in zip(received, sentAt) {
                let time = try #require((event["sentAt"] as? String).flatMap { try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse($0) })
                #expect(abs(time.timeIntervalSince(sent)) < 5)
            }
            for event in received {
                #expect(await alice.waitForEvent("delivered") { $0["id"] as? String == event["id"] as? String } != nil, "alice: \(alice.output)")
            }
            #expect(try await juice.psql("SELECT count(*) FROM mailbox") == ["0"])
            #expect(try await juice.psql("SELECT count(*) FROM mailbox_sizes") == ["0"])

            bob.send("/history alice 10")
            let history = await bob.waitForLines(timeout: .seconds(10), count: 3) { event($0)["event"] as? String == "history" }
            #expect(history.map { event($0)["text"] as? String } == Self.texts, "bob: \(bob.output)")

            // Nothing readable on the server or on the wire.
            let wire = String(decoding: proxy.bytes, as: UTF8.self)
            for text in Self.texts {
                #expect(!wire.contains(text))
                #expect(!dump.joined().contains(text))
                #expect(!dump.joined().contains(Data(text.utf8).map { String(format: "%02x", $0) }.joined()))
            }

            // Forward secrecy with the real keys: the prekey secrets are gone from bob's store,
            // and the recorded envelopes do not open with both identity secrets and every prekey
            // secret bob still holds.
            let bobKeys = try await juice.identity("bob"), aliceKeys = try await juice.identity("alice")
            let store = try juice.prekeyStore("bob", port: proxy.port)
            for hex in stored {
                let envelope = try WaitingEnvelope(bytes: unhex(hex))
                let prekey = try #require(envelope.prekey)
                #expect(store.secret(for: prekey) == nil, "the prekey secret was erased after use")
                #expect(throws: WaitingMessageError.noPrekeySecret) {
                    try WaitingMessageSeal.open(envelope, sender: aliceKeys.publicKey, recipient: bobKeys, prekeySecret: nil)
                }
                let held = store.publicKeys.compactMap { store.secret(for: $0) }
                #expect(held.count == store.count && held.count >= 97, "every secret bob still holds is tried")
                for secret in [bobKeys.secretKey, aliceKeys.secretKey] + held {
                    #expect(throws: WaitingMessageError.doesNotOpen) {
                        try WaitingMessageSeal.open(envelope, sender: aliceKeys.publicKey, recipient: bobKeys, prekeySecret: secret)
                    }
                }
            }
            alice.closeInput()
            bob.closeInput()
            _ = await alice.waitForExit(timeout: .seconds(15))
            _ = await bob.waitForExit(timeout: .seconds(15))
        }
    }

    /// kill -9 of bob after the login reply and before his acknowledgement: the messages stay on
    /// the server, come again at the next login, and are shown once in all.
    @Test func aCrashBeforeTheAcknowledgementLosesNothingAndShowsNothingTwice() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob"], buddies: [("alice", "bob")])
            let alice = try juice.login("alice", password: testPassword)
            _ = try #require(await alice.waitForEvent("ready"))
            for (index, text) in Self.texts.enumerated() {
                alice.send("/msg bob \(text)")
                let queued = await alice.waitForLines(timeout: .seconds(15), count: index + 1) { event($0)["event"] as? String == "queued" }
                #expect(queued.count == index + 1, "alice: \(alice.output)")
            }
            // An operator's lock holds every delete from the mailbox: bob's acknowledgement waits.
            let lock = try PostgresConnection(juice.database.configuration)
            try lock.query("BEGIN")
            try lock.query("LOCK TABLE mailbox IN EXCLUSIVE MODE")
            let bob = try juice.login("bob", password: testPassword)
            for text in Self.texts {
                #expect(await bob.waitForEvent("message") { $0["text"] as? String == text } != nil, "bob: \(bob.output) \(bob.errorOutput) juiced: \(juice.server.errorOutput)")
            }
            let waiting = try await juice.waitForAcknowledgementBlocked()
            bob.kill()
            _ = await bob.waitForExit(timeout: .seconds(10))
            // The server gives up the acknowledgement of a client that died: nothing is deleted.
            _ = try await juice.psql("SELECT pg_cancel_backend(\(waiting))")
            try lock.query("ROLLBACK")
            #expect(try await juice.psql("SELECT count(*) FROM mailbox") == ["3"])

            let again = try juice.login("bob", password: testPassword)
            _ = try #require(await again.waitForEvent("ready"))
            let delivered = await alice.waitForLines(timeout: .seconds(15), count: 3) { event($0)["event"] as? String == "delivered" }
            #expect(delivered.count == 3, "alice: \(alice.output)")
            #expect(try await juice.psql("SELECT count(*) FROM mailbox") == ["0"])
            #expect(!again.output.contains { event($0)["event"] as? String == "message" }, "shown again: \(again.output)")
            again.send("/history alice 10")
            let history = await again.waitForLines(timeout: .seconds(10), count: 3) { event($0)["event"] as? String == "history" }
            #expect(history.map { event($0)["text"] as? String } == Self.texts, "each once in the history: \(again.output)")
            for process in [alice, again] { process.closeInput(); _ = await process.waitForExit(timeout: .seconds(15)) }
        }
    }

    /// A dishonest server hands alice a prekey of its own: it still cannot read the message, and
    /// bob (who has no secret for that prekey) says so and leaves it. A server that replays a
    /// delivered message gets it acknowledged, not shown again.
    @Test func aSubstitutedPrekeyReadsNothingAndAReplayIsShownOnce() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob"], buddies: [("alice", "bob")])
            let first = try juice.login("bob", password: testPassword)
            _ = try #require(await first.waitForEvent("ready"))
            first.closeInput()
            _ = await first.waitForExit(timeout: .seconds(15))

            // The server replaces bob's prekeys with one of its own making.
            let forged = try BoxKeyPair.generate()
            _ = try await juice.psql("""
                DELETE FROM prekeys; INSERT INTO prekeys (account_id, public_key, set_id)
                SELECT id, decode('\(hex(forged.publicKey))', 'hex'), decode(repeat('00', 16), 'hex') FROM accounts WHERE username = 'bob'
                """)
            let alice = try juice.login("alice", password: testPassword)
            _ = try #require(await alice.waitForEvent("ready"))
            alice.send("/msg bob the secret plan")
            #expect(await alice.waitForEvent("queued") != nil, "alice: \(alice.output)")
            let hex = try #require(try await juice.psql("SELECT encode(envelope, 'hex') FROM mailbox").first)
            let envelope = try WaitingEnvelope(bytes: unhex(hex))
            #expect(envelope.prekey == forged.publicKey)
            // The server holds its prekey's secret but not bob's identity secret.
            #expect(throws: WaitingMessageError.doesNotOpen) {
                try WaitingMessageSeal.open(envelope, sender: try juice.publicKey("alice"), recipient: try BoxKeyPair.generate(), prekeySecret: forged.secretKey)
            }
            let bob = try juice.login("bob", password: testPassword)
            #expect(await bob.waitForEvent("info") { ($0["message"] as? String)?.contains("prekey this machine does not have") == true } != nil, "bob: \(bob.output)")
            #expect(!bob.output.contains { $0.contains("the secret plan") })
            #expect(try await juice.psql("SELECT count(*) FROM mailbox") == ["1"], "left on the server, not acknowledged")

            // A genuine message, delivered, then replayed by the server.
            _ = try await juice.psql("DELETE FROM mailbox")
            bob.closeInput()
            _ = await bob.waitForExit(timeout: .seconds(15))
            let upload = try juice.login("bob", password: testPassword) // a fresh set of real prekeys
            _ = try #require(await upload.waitForEvent("ready"))
            upload.closeInput()
            _ = await upload.waitForExit(timeout: .seconds(15))
            alice.send("/msg bob once only")
            #expect(await alice.waitForLines(timeout: .seconds(15), count: 2) { event($0)["event"] as? String == "queued" }.count == 2)
            let row = try #require(try await juice.psql("SELECT recipient_id, sender_id, encode(message_id, 'hex'), encode(envelope, 'hex') FROM mailbox WHERE envelope <> decode('\(hex)', 'hex')").first)
            let reader = try juice.login("bob", password: testPassword)
            #expect(await reader.waitForEvent("message") { $0["text"] as? String == "once only" } != nil, "bob: \(reader.output)")
            #expect(await alice.waitForEvent("delivered") != nil)
            reader.closeInput()
            _ = await reader.waitForExit(timeout: .seconds(15))
            let fields = row.split(separator: "|").map(String.init)
            _ = try await juice.psql("INSERT INTO mailbox (recipient_id, sender_id, message_id, envelope, expires_at) VALUES (\(fields[0]), \(fields[1]), decode('\(fields[2])', 'hex'), decode('\(fields[3])', 'hex'), now() + interval '1 day')")
            let replayed = try juice.login("bob", password: testPassword)
            _ = try #require(await replayed.waitForEvent("ready"))
            try await juice.waitUntil { try await juice.psql("SELECT count(*) FROM mailbox") == ["0"] }
            #expect(!replayed.output.contains { event($0)["event"] as? String == "message" }, "the replay was shown: \(replayed.output)")
            for process in [alice, replayed] { process.closeInput(); _ = await process.waitForExit(timeout: .seconds(15)) }
        }
    }
    /// A password changed on another machine leaves this machine's history and prekey store
    /// sealed under the old one: the next login says so and goes on; `juice passwd --local-only`
    /// re-seals both, and then the history opens and the prekeys upload again.
    @Test func aPasswordChangedElsewhereIsResealedHere() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob"], buddies: [("alice", "bob")])
            let here = try juice.login("bob", password: testPassword)
            _ = try #require(await here.waitForEvent("ready"))
            here.closeInput()
            #expect(await here.waitForExit(timeout: .seconds(15)) == 0)
            let newPassword = "Mango-Squeeze-Noon-31"
            let elsewhere = try await ManagedProcess.run(Binaries.juice, ["passwd", "bob", "--password-stdin", "--server", juice.url], stdin: "\(testPassword)\n\(newPassword)\n",
                                                         environment: ["JUICE_HOME": juice.clientHome + "-elsewhere"])
            #expect(elsewhere.status == 0, "\(elsewhere.error)")

            let stale = try juice.login("bob", password: newPassword)
            #expect(await stale.waitForEvent("error") { ($0["message"] as? String)?.contains("prekeys:") == true } != nil, "bob: \(stale.output)")
            #expect(await stale.waitForEvent("ready") != nil, "the session goes on: \(stale.output) \(stale.errorOutput)")
            stale.closeInput()
            _ = await stale.waitForExit(timeout: .seconds(15))

            let reseal = try await juice.juice(["passwd", "bob", "--local-only", "--password-stdin"], stdin: "\(testPassword)\n\(newPassword)\n")
            #expect(reseal.status == 0, "\(reseal.error)")
            let fresh = try juice.login("bob", password: newPassword)
            _ = try #require(await fresh.waitForEvent("ready"), "bob: \(fresh.errorOutput)")
            #expect(!fresh.output.contains { event($0)["event"] as? String == "error" }, "bob: \(fresh.output)")
            fresh.closeInput()
            _ = await fresh.waitForExit(timeout: .seconds(15))
            let wrong = try await juice.juice(["passwd", "bob", "--local-only", "--password-stdin"], stdin: "\(testPassword)\n\(newPassword)\n")
            #expect(wrong.status != 0, "the old password no longer opens them")
        }
    }
    /// The history and prekey store are sealed under the password: a first login here with a
    /// wrong one leaves neither behind (they would never open with the right one).
    @Test func aWrongPasswordAtAFirstLoginLeavesNoLocalFiles() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice"], buddies: [])
            let wrong = try juice.login("alice", password: "Wrong-Pulp-Password-9")
            #expect(await wrong.waitForExit(timeout: .seconds(30)) == 1, "alice: \(wrong.output) \(wrong.errorOutput)")
            let directory = URL(fileURLWithPath: juice.clientHome).appendingPathComponent("juice@127.0.0.1:\(juice.port)/alice")
            for name in ["history", "prekeys"] {
                #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path), "\(name) left behind")
            }
            let right = try juice.login("alice", password: testPassword)
            _ = try #require(await right.waitForEvent("ready"), "alice: \(right.errorOutput)")
            #expect(!right.output.contains { event($0)["event"] as? String == "error" }, "alice: \(right.output)")
            right.closeInput()
            _ = await right.waitForExit(timeout: .seconds(15))
        }
    }
    /// The history and prekey store have one writer: a second `juice login` of the same user on
    /// the same machine is refused at once, before any server call, and the first goes on.
    @Test func aSecondLoginOfOneUserOnOneMachineIsRefused() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice"], buddies: [])
            let first = try juice.login("alice", password: testPassword)
            _ = try #require(await first.waitForEvent("ready"), "alice: \(first.errorOutput)")
            let logins = try await juice.requestCounts()["login"] ?? 0
            let second = try juice.login("alice", password: testPassword)
            #expect(await second.waitForExit(timeout: .seconds(15)) == 1)
            #expect(second.errorOutput.contains("another juice login of alice is running on this machine"), "\(second.errorOutput)")
            #expect(try await juice.requestCounts()["login"] ?? 0 == logins, "no server call")
            let delete = try await juice.juice(["history", "--user", "alice", "--delete", "--yes"])
            #expect(delete.status != 0 && delete.error.contains("another juice login of alice is running"), "not under a running session: \(delete.error)")
            #expect(first.isRunning)
            first.closeInput()
            #expect(await first.waitForExit(timeout: .seconds(15)) == 0)
        }
    }
}

extension JuiceProcesses {
    /// juiced's port.
    var port: Int { Int(url.split(separator: ":").last!)! }

    /// `name`'s identity key pair, opened with the test password as the client does.
    func identity(_ name: String) async throws -> BoxKeyPair {
        let row = try #require(try await psql("SELECT encode(public_key, 'hex'), encode(sealed_secret, 'hex') FROM accounts WHERE username = '\(name)'").first)
        let fields = row.split(separator: "|").map(String.init)
        let sealed = try SealedIdentity(publicKey: unhex(fields[0]), sealedSecret: unhex(fields[1]))
        return try sealed.open(keyEncryptionKey: try keys(name).keyEncryptionKey)
    }

    /// `name`'s public identity key as the server has it.
    func publicKey(_ name: String) throws -> [UInt8] {
        let result = try PostgresConnection(database.configuration).query("SELECT public_key FROM accounts WHERE username = $1", [name])
        return try #require(result.rows.first).decode("public_key")
    }

    /// The keys the test password gives `name`.
    func keys(_ name: String) throws -> AccountKeys {
        try AccountKeys.derive(password: SecretBytes(Array(testPassword.utf8)), username: try Username(name), realm: .default)
    }

    /// `name`'s prekey store on this machine, opened with the key the test password gives.
    func prekeyStore(_ name: String, port: Int) throws -> PrekeyStore {
        let directory = URL(fileURLWithPath: clientHome).appendingPathComponent("juice@127.0.0.1:\(port)").appendingPathComponent(name)
        return try PrekeyStore.open(file: directory.appendingPathComponent("prekeys"), key: try LocalKeys(keyEncryptionKey: try keys(name).keyEncryptionKey).prekeys)
    }

    /// The backend PID of the acknowledgement that waits for the mailbox lock, once it waits.
    func waitForAcknowledgementBlocked() async throws -> String {
        var pid: String?
        try await waitUntil {
            pid = try await psql("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%mailbox_ack%'").first
            return pid != nil
        }
        return try #require(pid)
    }

    /// Polls `condition` every 100 ms for at most 15 s; a timeout fails the test.
    func waitUntil(_ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("condition not met within 15 s")
    }
}

extension ManagedProcess {
    /// Waits (at most `timeout`) until `count` output lines match; returns the matching lines so far.
    func waitForLines(timeout: Duration, count: Int, where matches: @escaping (String) -> Bool) async -> [String] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, output.filter(matches).count < count {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return output.filter(matches)
    }
}
