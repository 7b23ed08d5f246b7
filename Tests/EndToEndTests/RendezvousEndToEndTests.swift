import Foundation
import JuiceTestSupport
import Testing

/// `juice login` follows the rendezvous stream (docs/protocol.md 2.3.1): one call to go online,
/// none to stay online, buddies introduced through the stream, a killed client read offline
/// after the resume grace, a killed or stopped server survived by resuming, a revoked session
/// logging in again, a newer login ending this one.
@Suite(.serialized) struct RendezvousEndToEndTests {
    /// With a 2 s lease (an old client renewed every second), two buddies who chat and stay
    /// online for 6 s made exactly one login call each and no renewal, and stay online past
    /// three leases; going offline is one logout call each.
    @Test func goingOnlineIsOneCallAndStayingOnlineIsNone() async throws {
        try await JuiceProcesses.with(leaseSeconds: 2) { juice in
            try await juice.setUp(users: ["alice", "bob"], buddies: [("alice", "bob")])
            let before = try await juice.requestCounts()

            let alice = try juice.login("alice", password: testPassword)
            try #require(await alice.waitForEvent("ready") != nil, "alice: \(alice.errorOutput)")
            let bob = try juice.login("bob", password: testPassword)
            try #require(await bob.waitForEvent("ready") != nil, "bob: \(bob.errorOutput)")
            let onlineAt = ContinuousClock.now
            try await waitUntilConnected(alice, "alice", bob, "bob")
            try await chat(alice, "alice", bob, "bob", "first")

            try await Task.sleep(until: onlineAt + .seconds(6), clock: .continuous) // the time is what is tested: three leases
            try await chat(alice, "alice", bob, "bob", "after six seconds")
            #expect(try await juice.psql("select username from presence where online order by username") == ["alice", "bob"])
            #expect(difference(before, try await juice.requestCounts()) == ["login": 2], "server calls while online")
            #expect(!(alice.output + bob.output).contains { event($0)["event"] as? String == "renewed" })

            for process in [alice, bob] { process.closeInput() }
            for process in [alice, bob] { #expect(await process.waitForExit() == 0, "\(process.output) \(process.errorOutput)") }
            #expect(difference(before, try await juice.requestCounts()) == ["login": 2, "logout": 2], "server calls in all")
        }
    }

    /// Bob logs in after alice, but cannot reach her (she advertises a port nobody listens on),
    /// so the session between them can only be alice's dial: alice learned bob's peer ID and
    /// endpoint from the `introduction` on her stream. Both read each other online and chat.
    @Test func aBuddyWhoLogsInLaterIsIntroducedAndDialled() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob"], buddies: [("alice", "bob")])
            let alice = try juice.login("alice", password: testPassword, ["--advertise", "127.0.0.1:1"])
            try #require(await alice.waitForEvent("ready") != nil, "alice: \(alice.errorOutput)")
            try #require(await alice.waitForEvent("buddy") { $0["username"] as? String == "bob" && $0["peerId"] as? Int64 == 0 } != nil, "alice: \(alice.output)")

            let bob = try juice.login("bob", password: testPassword)
            let bobReady = try #require(await bob.waitForEvent("ready"), "bob: \(bob.errorOutput)")
            let seen = await alice.waitForEvent("online", timeout: .seconds(5)) { $0["username"] as? String == "bob" }
            #expect(seen?["peerId"] as? Int64 == bobReady["peerId"] as? Int64, "alice: \(alice.output)")
            #expect(await bob.waitForEvent("online", timeout: .seconds(5)) { $0["username"] as? String == "alice" } != nil, "bob: \(bob.output)")
            try await chat(alice, "alice", bob, "bob", "introduced")

            for process in [alice, bob] { process.closeInput() }
            for process in [alice, bob] { #expect(await process.waitForExit() == 0, "\(process.output) \(process.errorOutput)") }
        }
    }

    /// kill -9 of alice's `juice`: bob reads her offline from their peer session, and the server
    /// (her lease is 300 s) reads her offline once her stream's 5 s resume grace is over, not
    /// before it, and well before the lease.
    @Test func aKilledClientReadsOfflineWithinSeconds() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob"], buddies: [("alice", "bob")])
            let alice = try juice.login("alice", password: testPassword)
            let aliceReady = try #require(await alice.waitForEvent("ready"), "alice: \(alice.errorOutput)")
            let bob = try juice.login("bob", password: testPassword)
            try await waitUntilConnected(alice, "alice", bob, "bob")
            try await chat(alice, "alice", bob, "bob", "before the kill")
            #expect(try await juice.psql("select peer_id from presence where username = 'alice'") == ["\(aliceReady["peerId"] as? Int64 ?? -1)"])

            let killedAt = ContinuousClock.now
            alice.kill()
            #expect(await bob.waitForEvent("offline", timeout: .seconds(10)) { $0["username"] as? String == "alice" } != nil, "bob: \(bob.output)")
            let bobSawOffline = ContinuousClock.now - killedAt
            var offlineAfter: Duration?
            for _ in 0..<60 where offlineAfter == nil { // polled every 0.25 s, 15 s at most
                if try await juice.psql("select peer_id from presence where username = 'alice'") == ["0"] {
                    offlineAfter = ContinuousClock.now - killedAt
                } else {
                    try await Task.sleep(for: .milliseconds(250))
                }
            }
            print("kill -9 of a client: its buddy read it offline after \(bobSawOffline), the server after \(offlineAfter.map { "\($0)" } ?? "more than 15 s")")
            let after = try #require(offlineAfter, "the server still reads alice online 15 s after her kill -9")
            // The grace is 5 s from the server noticing the close; the check is a psql run away.
            // 5.2–5.4 s measured here; reachability.md 2.8 saw up to 9.0 s in the whole suite's
            // parallel run on 2 cores (the close is recorded late), hence 10 s.
            #expect(after >= .seconds(4.5), "alice read offline before her resume grace was over")
            #expect(after < .seconds(10), "alice read offline only after \(after)")

            bob.closeInput()
            #expect(await bob.waitForExit() == 0, "bob: \(bob.output) \(bob.errorOutput)")
        }
    }

    /// kill -9 of `juiced` (or SIGTERM, which closes the streams without a line) while alice
    /// and bob are online and chatting, and a new `juiced` on the same port and database a
    /// second later: both clients resume their streams (an `error` naming the break, then
    /// `rendezvous stream resumed`) with the same peer IDs (no new `ready`, one resume call
    /// each and no login), their peer session never drops, they go on chatting, and psql reads
    /// both online on the new server.
    @Test(arguments: [SIGKILL, SIGTERM])
    func aRestartedServerIsSurvivedByResumingTheStream(_ signal: Int32) async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob"], buddies: [("alice", "bob")])
            let alice = try juice.login("alice", password: testPassword)
            let aliceReady = try #require(await alice.waitForEvent("ready"), "alice: \(alice.errorOutput)")
            let bob = try juice.login("bob", password: testPassword)
            let bobReady = try #require(await bob.waitForEvent("ready"), "bob: \(bob.errorOutput)")
            try await waitUntilConnected(alice, "alice", bob, "bob")
            try await chat(alice, "alice", bob, "bob", "before the server died")

            // Down for a second: the clients' first resumes find no server (they fail at connect,
            // or wait in the HTTP client's connection pool) and are retried.
            let killedAt = ContinuousClock.now
            try await juice.restartServer(signal: signal, down: .seconds(1))
            print("signal \(signal) to juiced: a new one listened after \(ContinuousClock.now - killedAt)")
            for (name, process) in [("alice", alice), ("bob", bob)] {
                let broke = await process.waitForEvent("error", timeout: .seconds(10)) { ($0["message"] as? String)?.hasPrefix("the rendezvous stream broke") == true }
                #expect(broke != nil, "\(name): \(process.output)")
                let resumed = await process.waitForEvent("info", timeout: .seconds(10)) { $0["message"] as? String == "rendezvous stream resumed" }
                #expect(resumed != nil, "\(name): \(process.output)")
            }
            let failedResumes = (alice.output + bob.output).filter { (event($0)["message"] as? String)?.hasPrefix("resuming the rendezvous stream failed") == true }.count
            print("signal \(signal) to juiced: both streams resumed after \(ContinuousClock.now - killedAt), \(failedResumes) failed resumes before")

            try await chat(alice, "alice", bob, "bob", "after the server died")
            // The new server's only calls: one resume each (a resume refused at connect never reaches it).
            #expect(try await juice.requestCounts() == ["resumeStream": 2])
            let peers = try await juice.psql("select username, peer_id from presence where online order by username")
            #expect(peers == ["alice|\(aliceReady["peerId"] as? Int64 ?? -1)", "bob|\(bobReady["peerId"] as? Int64 ?? -1)"])
            for (name, process) in [("alice", alice), ("bob", bob)] {
                let events = process.output.compactMap { event($0)["event"] as? String }
                #expect(events.filter { $0 == "ready" }.count == 1, "\(name) logged in again: \(process.output)")
                #expect(!events.contains("offline"), "\(name) lost the peer session: \(process.output)")
            }

            for process in [alice, bob] { process.closeInput() }
            for process in [alice, bob] { #expect(await process.waitForExit() == 0, "\(process.output) \(process.errorOutput)") }
            // The logout after a resume works: a drop the stopping server recorded (SIGTERM) cut
            // the token's expiry to the grace, and the resume gives it a full lease again.
            let online = try await juice.psql("select count(*) from presence where online")
            #expect(online == ["0"], "still online after the logouts: alice \(alice.output), bob \(bob.output)")
        }
    }

    /// An admin revokes alice's session three times in a row: each time her stream ends
    /// (`ended` `logout`) and she logs in again at once, with a new peer ID, and goes on. (The
    /// login again used to fail now and then with "cannot reach the Juice server": juiced closes
    /// a stream's connection after its last line, and the client reused it for the new login.)
    @Test func aRevokedSessionLogsInAgainEveryTime() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice"], buddies: [])
            let alice = try juice.login("alice", password: testPassword)
            let first = try #require(await alice.waitForEvent("ready"), "alice: \(alice.errorOutput)")
            var peers: Set<Int64> = [try #require(first["peerId"] as? Int64)]
            for round in 1...3 {
                _ = try await juice.psql("delete from sessions where online and account_id = (select id from accounts where username = 'alice')")
                let again = await alice.waitForEvent("ready", timeout: .seconds(10)) { !peers.contains($0["peerId"] as? Int64 ?? 0) }
                let peer = try #require(again?["peerId"] as? Int64, "round \(round): alice: \(alice.output) \(alice.errorOutput)")
                peers.insert(peer)
                #expect(try await juice.psql("select peer_id from presence where username = 'alice'") == ["\(peer)"])
            }
            #expect(!alice.output.contains { $0.contains("failed") }, "alice: \(alice.output)")
            alice.closeInput()
            #expect(await alice.waitForExit() == 0, "alice: \(alice.output) \(alice.errorOutput)")
        }
    }

    /// A second `juice login alice`, on another machine (one machine runs one login of a user at
    /// a time), replaces the first session: the first hears `ended`
    /// `replaced` on its stream, says so in an `error`, and exits non-zero without logging in
    /// again (that would replace the newer one in turn); the second stays online.
    @Test func aNewerLoginReplacesThisOne() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice"], buddies: [])
            let first = try juice.login("alice", password: testPassword)
            try #require(await first.waitForEvent("ready") != nil, "first: \(first.errorOutput)")
            let second = try juice.login("alice", password: testPassword, home: juice.clientHome + "-elsewhere")
            let secondReady = try #require(await second.waitForEvent("ready"), "second: \(second.errorOutput)")

            let replaced = await first.waitForEvent("error", timeout: .seconds(5)) { $0["message"] as? String == "a newer login of alice replaced this session" }
            #expect(replaced != nil, "first: \(first.output)")
            let status = await first.waitForExit(timeout: .seconds(5))
            #expect(status != nil && status != 0, "first exited \(String(describing: status)): \(first.output) \(first.errorOutput)")
            #expect(first.output.filter { event($0)["event"] as? String == "ready" }.count == 1, "first logged in again: \(first.output)")

            // The first one's logout (with its revoked token) left the second online.
            #expect(try await juice.psql("select peer_id from presence where username = 'alice'") == ["\(secondReady["peerId"] as? Int64 ?? -1)"])
            second.send("/help")
            #expect(await second.waitForEvent("info") != nil, "second: \(second.output)")
            #expect(!second.output.contains { event($0)["event"] as? String == "error" }, "second: \(second.output)")
            second.closeInput()
            #expect(await second.waitForExit() == 0, "second: \(second.output) \(second.errorOutput)")
        }
    }
}

/// Waits until `a` and `b` each read the other online (their peer session is up).
private func waitUntilConnected(_ a: ManagedProcess, _ aName: String, _ b: ManagedProcess, _ bName: String) async throws {
    try #require(await a.waitForEvent("online") { $0["username"] as? String == bName } != nil, "\(aName): \(a.output)")
    try #require(await b.waitForEvent("online") { $0["username"] as? String == aName } != nil, "\(bName): \(b.output)")
}

/// A message each way between `a` and `b`, each delivered; `tag` makes the texts unique, since
/// waiting for an event finds the first that ever matched.
private func chat(_ a: ManagedProcess, _ aName: String, _ b: ManagedProcess, _ bName: String, _ tag: String) async throws {
    a.send("/msg \(bName) \(aName) to \(bName), \(tag)")
    let atB = await b.waitForEvent("message", timeout: .seconds(10)) { $0["text"] as? String == "\(aName) to \(bName), \(tag)" }
    try #require(atB != nil, "\(bName) got no message (\(tag)): \(b.output) \(a.output)")
    #expect(await a.waitForEvent("delivered") { $0["id"] as? String == atB?["id"] as? String } != nil, "\(aName): \(a.output)")
    b.send("/msg \(aName) \(bName) to \(aName), \(tag)")
    let atA = await a.waitForEvent("message", timeout: .seconds(10)) { $0["text"] as? String == "\(bName) to \(aName), \(tag)" }
    try #require(atA != nil, "\(aName) got no message (\(tag)): \(a.output) \(b.output)")
    #expect(await b.waitForEvent("delivered") { $0["id"] as? String == atA?["id"] as? String } != nil, "\(bName): \(b.output)")
}

/// What changed between two sets of request counts, leaving out what did not.
private func difference(_ before: [String: Int], _ after: [String: Int]) -> [String: Int] {
    after.reduce(into: [:]) { changed, count in
        let delta = count.value - before[count.key, default: 0]
        if delta != 0 { changed[count.key] = delta }
    }
}

