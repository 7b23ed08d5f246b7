import Foundation
import JuiceTestSupport
import Testing

/// Buddies across NATs in the lab (docs/reachability.md 8), with real processes: juiced on the
/// lab's internet, clients in homes behind NATs that drop unsolicited packets as home routers do.
@Suite(.serialized, .enabled(if: NetLab.available, "the NAT lab needs root"))
struct NATLabEndToEndTests {
    /// alice and dave share a LAN behind NAT A: their session runs straight between their LAN
    /// addresses (`direct`), and a message goes through both ways.
    @Test func neighboursOnOneLANChatDirectly() async throws {
        try await NetLab.with { lab in
            try await lab.register("alice", from: "home1")
            try await lab.register("dave", from: "neighbour1")
            try await lab.makeBuddies(("alice", "home1"), ("dave", "neighbour1"))
            let alice = try lab.login("alice", in: "home1")
            try #require(await alice.waitForEvent("ready") != nil, "alice: \(alice.errorOutput)")
            // dave gives no --listen: with a server elsewhere he listens on every interface, and
            // states his LAN address as a host candidate (and as his endpoint).
            let dave = try lab.start("neighbour1", Binaries.juice, ["login", "dave", "--json", "--password-stdin"] + lab.clientArguments(), environment: lab.clientEnvironment("dave"))
            dave.send(testPassword)
            let daveReady = try #require(await dave.waitForEvent("ready"), "dave: \(dave.errorOutput)")
            #expect((daveReady["endpoint"] as? String)?.hasPrefix("10.0.1.3:") == true, "\(daveReady)")
            let online = try #require(await dave.waitForEvent("online", timeout: .seconds(20)) { $0["username"] as? String == "alice" }, "dave: \(dave.output) \(dave.errorOutput)")
            #expect(online["path"] as? String == "direct")
            let seen = try #require(await alice.waitForEvent("online", timeout: .seconds(20)) { $0["username"] as? String == "dave" }, "alice: \(alice.output)")
            #expect(seen["path"] as? String == "direct")
            alice.send("/buddies")
            let listed = await alice.waitForEvent("buddy") { $0["username"] as? String == "dave" && $0["path"] is String }
            #expect(listed?["path"] as? String == "direct", "/buddies shows the path: \(alice.output)")
            dave.send("/msg alice over the LAN")
            #expect(await alice.waitForEvent("message") { $0["text"] as? String == "over the LAN" } != nil, "alice: \(alice.output)")
            alice.send("/msg dave back")
            #expect(await dave.waitForEvent("message") { $0["text"] as? String == "back" } != nil, "dave: \(dave.output)")
            for client in [alice, dave] {
                client.closeInput()
                #expect(await client.waitForExit() == 0, "\(client.errorOutput)")
            }
        }
    }

    /// Logs `a` (in `nodeA`) and `b` (in `nodeB`) in as buddies, waits for their session, and
    /// checks that it runs over `path` on both sides and carries a message each way with receipts.
    func chat(_ lab: NetLab, _ a: (String, String), _ b: (String, String), over path: String, within: Duration = .seconds(30)) async throws -> (ManagedProcess, ManagedProcess) {
        try await lab.register(a.0, from: a.1)
        try await lab.register(b.0, from: b.1)
        try await lab.makeBuddies((a.0, a.1), (b.0, b.1))
        let first = try lab.login(a.0, in: a.1)
        try #require(await first.waitForEvent("ready") != nil, "\(a.0): \(first.errorOutput)")
        let second = try lab.login(b.0, in: b.1)
        let online = try #require(await second.waitForEvent("online", timeout: within) { $0["username"] as? String == a.0 }, "\(b.0): \(second.output) \(second.errorOutput); \(a.0): \(first.output)")
        #expect(online["path"] as? String == path, "\(b.0) sees \(a.0) over \(online["path"] ?? "?"): \(second.output)")
        let seen = try #require(await first.waitForEvent("online", timeout: within) { $0["username"] as? String == b.0 }, "\(a.0): \(first.output)")
        #expect(seen["path"] as? String == path)
        second.send("/msg \(a.0) hello over \(path)")
        #expect(await first.waitForEvent("message") { $0["text"] as? String == "hello over \(path)" } != nil, "\(a.0): \(first.output)")
        #expect(await second.waitForEvent("delivered") != nil, "\(b.0): \(second.output)")
        first.send("/msg \(b.0) and back")
        #expect(await second.waitForEvent("message") { $0["text"] as? String == "and back" } != nil, "\(b.0): \(second.output)")
        #expect(await first.waitForEvent("delivered") != nil, "\(a.0): \(first.output)")
        return (first, second)
    }

    func logOut(_ clients: ManagedProcess...) async {
        for client in clients {
            client.closeInput()
            #expect(await client.waitForExit() == 0, "\(client.errorOutput)")
        }
    }

    /// alice and bob sit behind two cone NATs (endpoint-independent mapping, filtering that
    /// drops what they did not ask for): each learns the other's public mapping and dials it from
    /// its listening port; the SYNs cross and TCP joins them (`punched`).
    /// Then, with the relay credential cached by that first login, alice goes offline and online
    /// again: one call each way, and none while she stays online, her relay and public mapping
    /// stated in the login itself.
    @Test func buddiesBehindTwoConeNATsPunchThrough() async throws {
        try await NetLab.with { lab in
            let (alice, bob) = try await chat(lab, ("alice", "home1"), ("bob", "home2"), over: "punched")
            await logOut(alice)
            let before = try await lab.requestCounts()
            let again = try lab.login("alice", in: "home1")
            let online = await again.waitForEvent("online", timeout: .seconds(30)) { $0["username"] as? String == "bob" }
            #expect(online?["path"] as? String == "punched", "\(again.output)")
            try await Task.sleep(for: .seconds(3))
            let during = try await lab.requestCounts()
            await logOut(again)
            let after = try await lab.requestCounts()
            let delta = { (a: [String: Int], b: [String: Int]) -> [String: Int] in
                Dictionary(uniqueKeysWithValues: b.compactMap { key, value in value == a[key] ? nil : (key, value - (a[key] ?? 0)) })
            }
            #expect(delta(before, during) == ["login": 1], "going online is one call, staying online none")
            #expect(delta(during, after) == ["logout": 1], "going offline is one call")
            await logOut(bob)
        }
    }

    /// carol sits behind a symmetric NAT (a new random port per connection): no punch can meet
    /// her, so after 2 s the pair dials the relayed addresses and the session runs through coturn
    /// (`relayed`), end to end encrypted as any other.
    @Test func aBuddyBehindASymmetricNATIsReachedThroughTheRelay() async throws {
        try await NetLab.with(symmetricHome3: true) { lab in
            let (alice, carol) = try await chat(lab, ("alice", "home1"), ("carol", "home3"), over: "relayed")
            await logOut(alice, carol)
        }
    }

    /// coturn dies while alice chats with dave (direct) and bob (punched): those sessions do not
    /// need it and go on. carol, behind the symmetric NAT, logs in meanwhile: a message to alice
    /// is refused with "no route". When coturn is back, both gather a relay again, publish it,
    /// and carol and alice meet through it.
    @Test func withoutTheRelayOthersChatAndTheStrandedBuddyHearsNoRouteUntilItIsBack() async throws {
        try await NetLab.with(symmetricHome3: true) { lab in
            let users = [("alice", "home1"), ("bob", "home2"), ("dave", "neighbour1"), ("carol", "home3")]
            for (user, node) in users { try await lab.register(user, from: node) }
            for (user, node) in users.dropFirst() { try await lab.makeBuddies(("alice", "home1"), (user, node)) }
            let alice = try lab.login("alice", in: "home1")
            try #require(await alice.waitForEvent("ready") != nil, "alice: \(alice.errorOutput)")
            let bob = try lab.login("bob", in: "home2"), dave = try lab.login("dave", in: "neighbour1")
            for (client, path) in [(bob, "punched"), (dave, "direct")] {
                let online = await client.waitForEvent("online", timeout: .seconds(30)) { $0["username"] as? String == "alice" }
                #expect(online?["path"] as? String == path, "\(client.output)")
            }

            await lab.stopRelay()
            let carol = try lab.login("carol", in: "home3")
            try #require(await carol.waitForEvent("ready") != nil, "carol: \(carol.errorOutput)")
            for (client, name) in [(bob, "bob"), (dave, "dave")] {
                client.send("/msg alice still here without the relay")
                #expect(await alice.waitForEvent("message") { $0["from"] as? String == name && $0["text"] as? String == "still here without the relay" } != nil, "alice: \(alice.output)")
            }
            carol.send("/msg alice hello?")
            let refused = await carol.waitForEvent("error") { ($0["message"] as? String)?.hasPrefix("no route to alice") == true }
            #expect(refused != nil, "carol: \(carol.output)")

            try lab.restartRelay()
            let online = await carol.waitForEvent("online", timeout: .seconds(40)) { $0["username"] as? String == "alice" }
            #expect(online?["path"] as? String == "relayed", "carol: \(carol.output) \(carol.errorOutput); alice: \(alice.output)")
            carol.send("/msg alice through the relay again")
            #expect(await alice.waitForEvent("message") { $0["text"] as? String == "through the relay again" } != nil, "alice: \(alice.output)")
            await logOut(alice, bob, dave, carol)
        }
    }

    /// Captures at each NAT (LAN and WAN side) and on the lab's internet (juiced and the relay)
    /// while four users go online and chat over all three paths: none holds a message, a
    /// username, a status text or a presence flag's name in clear.
    @Test func noCaptureOnAnyPathHoldsAnythingInClear() async throws {
        try await NetLab.with(symmetricHome3: true) { lab in
            let alice = ("albertine", "home1")
            let others = [("bartholomew", "home2"), ("dorothea", "neighbour1"), ("carolina", "home3")]
            for (user, node) in [alice] + others { try await lab.register(user, from: node) }
            for other in others { try await lab.makeBuddies(alice, other) }
            var captures: [(process: ManagedProcess, file: URL)] = []
            for node in ["router1", "router2", "router3", "internet"] { captures.append(try await lab.capture(node)) }

            let first = try lab.login(alice.0, in: alice.1, ["--camera"])
            try #require(await first.waitForEvent("ready") != nil, "\(first.errorOutput)")
            first.send("/status away confidential-status-words")
            var secrets = [alice.0, "confidential-status-words"] + others.map(\.0)
            for (user, node) in others {
                let client = try lab.login(user, in: node)
                try #require(await client.waitForEvent("online", timeout: .seconds(30)) { $0["username"] as? String == alice.0 } != nil, "\(user): \(client.output)")
                let text = "secret words from \(user)"
                secrets.append(text)
                client.send("/msg \(alice.0) \(text)")
                #expect(await first.waitForEvent("message") { $0["text"] as? String == text } != nil, "\(first.output)")
                await logOut(client)
            }
            await logOut(first)

            for (node, capture) in zip(["router1", "router2", "router3", "internet"], captures) {
                let bytes = try await lab.stopCapture(capture)
                #expect(bytes.count > 1000, "\(node) captured \(bytes.count) bytes")
                for secret in secrets + ["camera", "statusText"] {
                    #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(node)'s capture holds \"\(secret)\" in clear")
                }
            }
        }
    }

    /// kill -9 of alice behind her NAT: bob sees her offline at once (her kernel closes their
    /// punched connection), and psql within seconds (her stream's 5 s resume grace and a tick),
    /// not at the end of a lease.
    @Test func aKilledClientReadsOfflineToItsBuddyAndToPsqlWithinSeconds() async throws {
        try await NetLab.with { lab in
            let (alice, bob) = try await chat(lab, ("alice", "home1"), ("bob", "home2"), over: "punched")
            let killed = ContinuousClock.now
            alice.kill()
            #expect(await bob.waitForEvent("offline", timeout: .seconds(20)) { $0["username"] as? String == "alice" } != nil, "bob: \(bob.output)")
            var rows = try await lab.psql("SELECT peer_id FROM presence WHERE username = 'alice'")
            while rows != ["0"], ContinuousClock.now - killed < .seconds(15) {
                try await Task.sleep(for: .milliseconds(200))
                rows = try await lab.psql("SELECT peer_id FROM presence WHERE username = 'alice'")
            }
            #expect(rows == ["0"], "psql still shows alice online \(ContinuousClock.now - killed) after the kill")
            await logOut(bob)
        }
    }

    /// kill -9 of juiced while four users are online over all three paths; a new juiced on the
    /// same database and address takes the streams over as the clients resume: nobody gets a
    /// new peer ID (no second `ready`), no buddy session closes, chat goes on, psql shows all
    /// four online with the peer IDs they had.
    @Test func aKilledServerIsTakenOverAndNobodyLosesABuddyOrAPeerID() async throws {
        try await NetLab.with(symmetricHome3: true) { lab in
            let users = [("alice", "home1"), ("dave", "neighbour1"), ("bob", "home2"), ("carol", "home3")]
            for (user, node) in users { try await lab.register(user, from: node) }
            for (user, node) in users.dropFirst() { try await lab.makeBuddies(("alice", "home1"), (user, node)) }
            var clients: [String: ManagedProcess] = [:]
            var peers: [String: Int64] = [:]
            for (user, node) in users {
                let client = try lab.login(user, in: node)
                let ready = try #require(await client.waitForEvent("ready"), "\(user): \(client.errorOutput)")
                peers[user] = ready["peerId"] as? Int64
                clients[user] = client
            }
            let alice = try #require(clients["alice"])
            for (user, _) in users.dropFirst() {
                #expect(await clients[user]!.waitForEvent("online", timeout: .seconds(30)) { $0["username"] as? String == "alice" } != nil, "\(user): \(clients[user]!.output)")
            }

            try await lab.restartServer()
            for (user, client) in clients {
                #expect(await client.waitForEvent("info", timeout: .seconds(30)) { ($0["message"] as? String) == "rendezvous stream resumed" } != nil,
                        "\(user) resumed: \(client.output) \(client.errorOutput)")
            }
            for (user, _) in users.dropFirst() {
                clients[user]!.send("/msg alice after the restart from \(user)")
                #expect(await alice.waitForEvent("message") { $0["text"] as? String == "after the restart from \(user)" } != nil, "alice: \(alice.output)")
            }
            for (user, client) in clients {
                #expect(client.output.filter { event($0)["event"] as? String == "ready" }.count == 1, "\(user) logged in once: \(client.output)")
                #expect(!client.output.contains { event($0)["event"] as? String == "offline" }, "\(user) lost no buddy session: \(client.output)")
            }
            let rows = try await lab.psql("SELECT username || ' ' || peer_id FROM presence WHERE online ORDER BY username")
            #expect(rows == users.map(\.0).sorted().map { "\($0) \(peers[$0]!)" }, "online with the same peer IDs")
            await logOut(clients["dave"]!, clients["bob"]!, clients["carol"]!, alice)
        }
    }

    /// A stranger who learns alice's public mapping and relayed address (here from the
    /// database) gets nothing on either: her NAT drops a SYN she did not ask for, and her relay
    /// lets through only addresses her buddies state (coturn refuses the rest) and her client
    /// refuses whoever is not a buddy, even from a buddy's address (the stranger behind carol's
    /// NAT).
    @Test func aStrangerWhoLearnsTheCandidatesGetsNothing() async throws {
        try await NetLab.with(symmetricHome3: true) { lab in
            let (alice, carol) = try await chat(lab, ("alice", "home1"), ("carol", "home3"), over: "relayed")
            let stored = try await lab.psql("SELECT p.candidates FROM presence_state p JOIN accounts a ON a.id = p.account_id WHERE a.username = 'alice'")
            let candidates = try #require(stored.first).split(separator: ",").map(String.init)
            let srflx = try #require(candidates.first { $0.hasPrefix("srflx ") }?.dropFirst(6), "\(candidates)")
            let relay = try #require(candidates.first { $0.hasPrefix("relay ") }?.dropFirst(6), "\(candidates)")
            for (node, target) in [("neighbour2", String(srflx)), ("neighbour2", String(relay)), ("neighbour3", String(relay))] {
                let probe = try await lab.run(node, URL(fileURLWithPath: "/usr/bin/python3"), ["-c", Self.strangerProbe, target])
                #expect(probe.status == 0, "\(node) -> \(target): \(probe.output) \(probe.error)")
                #expect(["no connection", "closed"].contains(probe.output.trimmingCharacters(in: .whitespacesAndNewlines)), "\(node) -> \(target): \(probe.output)")
            }
            #expect(alice.output.filter { event($0)["event"] as? String == "online" }.count == 1, "only carol came online: \(alice.output)")
            carol.send("/msg alice still only us")
            #expect(await alice.waitForEvent("message") { $0["text"] as? String == "still only us" } != nil)
            await logOut(alice, carol)
        }
    }

    /// Connects to ADDRESS (host:port), sends a junk M1-sized blob, and says what happened within
    /// 8 s: "no connection" (dropped or refused), "closed" (the far end hung up), or "open".
    static let strangerProbe = """
        import os, socket, sys
        host, port = sys.argv[1].rsplit(":", 1)
        s = socket.socket()
        s.settimeout(4)
        try:
            s.connect((host, int(port)))
        except OSError:
            print("no connection"); sys.exit(0)
        try:
            s.sendall(os.urandom(200))
            s.settimeout(8)
            data = s.recv(1024)
            print("closed" if not data else "open")
        except (ConnectionResetError, BrokenPipeError):
            print("closed")
        except socket.timeout:
            print("open")
        """
}
