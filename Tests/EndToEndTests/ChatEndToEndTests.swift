import Foundation
import JuiceTestSupport
import Testing

@Suite(.serialized) struct ChatEndToEndTests {
    @Test func threeUsersChatAndPresenceTravelsOverThePeerSessions() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob", "carol"], buddies: [("alice", "bob"), ("bob", "carol")])

            let bob = try juice.login("bob", password: testPassword, ["--no-camera", "--mic", "--keepalive", "1"])
            let bobReady = try #require(await bob.waitForEvent("ready"), "bob: \(bob.errorOutput)")
            let carol = try juice.login("carol", password: testPassword, ["--keepalive", "1"])
            #expect(await carol.waitForEvent("online") { $0["username"] as? String == "bob" } != nil, "carol never saw bob: \(carol.output)")

            let alice = try juice.login("alice", password: testPassword, ["--camera", "--no-mic", "--keepalive", "1"])
            let aliceReady = try #require(await alice.waitForEvent("ready"), "alice: \(alice.errorOutput)")
            let alicePeer = try #require(aliceReady["peerId"] as? Int64)
            let aliceEndpoint = try #require(aliceReady["endpoint"] as? String)

            // Alice dials bob; both see each other online with the other's flags.
            let bobSeenByAlice = try #require(await alice.waitForEvent("online") { $0["username"] as? String == "bob" }, "alice: \(alice.output)")
            #expect(bobSeenByAlice["peerId"] as? Int64 == bobReady["peerId"] as? Int64)
            #expect(bobSeenByAlice["camera"] as? Bool == false)
            #expect(bobSeenByAlice["mic"] as? Bool == true)
            let aliceSeenByBob = try #require(await bob.waitForEvent("online") { $0["username"] as? String == "alice" }, "bob: \(bob.output)")
            #expect(aliceSeenByBob["peerId"] as? Int64 == alicePeer)
            #expect(aliceSeenByBob["camera"] as? Bool == true)
            #expect(aliceSeenByBob["mic"] as? Bool == false)

            // Messages both ways, with receipts.
            alice.send("/msg bob hello bob 🍊")
            let atBob = try #require(await bob.waitForEvent("message") { $0["from"] as? String == "alice" })
            #expect(atBob["text"] as? String == "hello bob 🍊")
            #expect(await alice.waitForEvent("delivered") { $0["id"] as? String == atBob["id"] as? String } != nil)
            bob.send("/to alice")
            bob.send("hi alice")
            let atAlice = try #require(await alice.waitForEvent("message") { $0["from"] as? String == "bob" })
            #expect(atAlice["text"] as? String == "hi alice")
            #expect(await bob.waitForEvent("delivered") { $0["id"] as? String == atAlice["id"] as? String } != nil)

            // Status changes are pushed live.
            alice.send("/status away lunch")
            #expect(await bob.waitForEvent("status") { $0["username"] as? String == "alice" && $0["status"] as? String == "away" } != nil)

            // Chatting with someone offline is a clear error.
            carol.send("/msg alice psst")
            #expect(await carol.waitForEvent("error") { ($0["message"] as? String)?.contains("not your buddy") == true } != nil)

            // Carol, bob's buddy but not alice's, never learns alice's peer ID or endpoint.
            let carolSaw = carol.output.joined(separator: "\n") + carol.errorOutput
            #expect(!carolSaw.contains(String(alicePeer)))
            #expect(!carolSaw.contains(aliceEndpoint))

            // kill -9: bob marks alice offline within the keepalive timeout (3 s here).
            let killedAt = ContinuousClock.now
            alice.kill()
            #expect(await bob.waitForEvent("offline", timeout: .seconds(5)) { $0["username"] as? String == "alice" } != nil)
            #expect(ContinuousClock.now - killedAt < .seconds(4))
            // Until the server notices (its stream's grace, 5 s) a message is refused; then it waits for her.
            bob.send("/msg alice are you there?")
            #expect(await bob.waitForEvent("error") { ($0["message"] as? String)?.contains("the server still counts them online") == true } != nil, "bob: \(bob.output)")
            try await juice.waitUntil { try await juice.psql("SELECT peer_id FROM presence WHERE username = 'alice'") == ["0"] }
            bob.send("/msg alice are you there?")
            #expect(await bob.waitForEvent("queued") { $0["to"] as? String == "alice" } != nil, "bob: \(bob.output)")

            // Alice logs in again: a new peer ID, and they reconnect.
            let again = try juice.login("alice", password: testPassword, ["--keepalive", "1"])
            let againReady = try #require(await again.waitForEvent("ready"))
            let newPeer = try #require(againReady["peerId"] as? Int64)
            #expect(newPeer != alicePeer)
            #expect(await bob.waitForEvent("online") { $0["username"] as? String == "alice" && $0["peerId"] as? Int64 == newPeer } != nil, "bob: \(bob.output)")

            // A clean logout: bob sees alice offline at once, and psql shows 0.
            again.closeInput()
            #expect(await bob.waitForEvent("offline", timeout: .seconds(2)) { $0["username"] as? String == "alice" && $0["reason"] as? String == "goodbye" } != nil)
            #expect(await again.waitForExit() == 0)
            #expect(try await juice.psql("select peer_id from presence where username = 'alice'") == ["0"])

            for process in [bob, carol] { process.closeInput() }
            for process in [bob, carol] { #expect(await process.waitForExit() == 0) }
        }
    }

    @Test func nothingReadableCrossesTheWire() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob"], buddies: [("alice", "bob")])
            let bobPort = Int.random(in: 30000...39000)
            let proxy = try await RecordingProxy(targetPort: bobPort)
            let bob = try juice.login("bob", password: testPassword, ["--listen", "127.0.0.1:\(bobPort)", "--advertise", "127.0.0.1:\(proxy.port)", "--camera", "--mic"])
            try #require(await bob.waitForEvent("ready") != nil, "bob: \(bob.errorOutput)")
            let alice = try juice.login("alice", password: testPassword, ["--camera", "--no-mic"])
            try #require(await alice.waitForEvent("online") { $0["username"] as? String == "bob" } != nil, "alice: \(alice.output) \(alice.errorOutput)")
            alice.send("/status busy SECRET-STATUS-TEXT")
            alice.send("/msg bob the eagle lands at midnight")
            #expect(await bob.waitForEvent("message") { $0["text"] as? String == "the eagle lands at midnight" } != nil)
            #expect(await bob.waitForEvent("status") { $0["statusText"] as? String == "SECRET-STATUS-TEXT" } != nil)
            bob.send("/msg alice reply in clear?")
            #expect(await alice.waitForEvent("message") != nil)

            let wire = proxy.bytes
            #expect(wire.count > 200)
            for secret in ["the eagle lands", "reply in clear", "SECRET-STATUS-TEXT", "alice", "bob", "busy"] {
                #expect(!contains(wire, Array(secret.utf8)), "\(secret) crossed the wire in clear")
            }
            // The flags and the identity keys do not appear in clear either.
            let keys = try await juice.psql("select encode(public_key, 'hex') from accounts order by username")
            for key in keys { #expect(!contains(wire, unhex(key)), "an identity key crossed the wire in clear") }
            for process in [alice, bob] { process.closeInput() }
            for process in [alice, bob] { #expect(await process.waitForExit() == 0) }
            await proxy.close()
        }
    }
}


