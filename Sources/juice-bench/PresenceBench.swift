import AsyncHTTPClient
import Foundation
import JuiceAPI
import JuiceClient
import JuiceCore
import JuicePeer
import JuiceTestSupport
import Sodium

/// Figure 3: from the moment alice's login call returns until bob, already online, has her
/// online event; the real service, real keys, a real session on loopback.
enum PresenceBench {
    static func run(_ context: BenchContext, report: Report) async throws {
        let rounds = context.quick ? 20 : 300
        try await context.withServer("presence") { _, url in try await measure(context, url: url, rounds: rounds, report: report) }
    }

    private static func measure(_ context: BenchContext, url: String, rounds: Int, report: Report) async throws {
        let alice = try Username("alice"), bob = try Username("bob")
        let address = try ServerAddress(url: URL(string: url)!, realm: .default)
        let aliceService = JuiceService(address: address)
        let bobService = JuiceService(address: address)
        let aliceKeys = try AccountKeys.derive(password: SecretBytes(Array("a".utf8)), username: alice, realm: .default)
        let bobKeys = try AccountKeys.derive(password: SecretBytes(Array("b".utf8)), username: bob, realm: .default)
        try await aliceService.register(username: alice, keys: aliceKeys)
        try await bobService.register(username: bob, keys: bobKeys)
        _ = try await aliceService.login(username: alice, keys: aliceKeys, presence: nil)
        _ = try await aliceService.requestBuddy(bob)
        _ = try await bobService.login(username: bob, keys: bobKeys, presence: nil)
        _ = try await bobService.acceptBuddy(alice)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("juice-bench-presence-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let arrivals = Arrivals()
        let stamps = Locked(ContinuousClock.now) // the time of the latest online event
        let presence = PeerPresence(capabilities: Capabilities(camera: true, mic: false))
        let bobNetwork = try PeerNetwork(username: bob, presence: presence, stateDirectory: directory.appendingPathComponent("bob")) { event in
            if case .online = event { stamps.withLock { $0 = ContinuousClock.now }; arrivals.arrived() }
        }
        let bobEndpoint = try await bobNetwork.listen(host: "127.0.0.1", port: 0)
        let bobTask = Task { await bobNetwork.run() }
        let bobLogin = try await bobService.login(username: bob, keys: bobKeys, presence: PresenceAnnouncement(endpoint: bobEndpoint, capabilities: presence.capabilities))
        await bobNetwork.goOnline(identity: try bobLogin.openIdentity(with: bobKeys), peerID: bobLogin.lease.peerID, buddies: bobLogin.buddies.compactMap { PeerNetwork.Buddy($0, allowLoopback: true) })

        var samples = Samples()
        for round in 1...rounds {
            let aliceNetwork = try PeerNetwork(username: alice, presence: presence, stateDirectory: directory.appendingPathComponent("alice")) { _ in }
            let endpoint = try await aliceNetwork.listen(host: "127.0.0.1", port: 0)
            let task = Task { await aliceNetwork.run() }
            let login = try await aliceService.login(username: alice, keys: aliceKeys, presence: PresenceAnnouncement(endpoint: endpoint, capabilities: presence.capabilities))
            let returned = ContinuousClock.now
            await aliceNetwork.goOnline(identity: try login.openIdentity(with: aliceKeys), peerID: login.lease.peerID, buddies: login.buddies.compactMap { PeerNetwork.Buddy($0, allowLoopback: true) })
            await arrivals.wait(for: round)
            samples.add(stamps.withLock { $0 } - returned)
            await aliceNetwork.shutdown()
            await task.value
            try await aliceService.logout()
        }
        await bobNetwork.shutdown()
        await bobTask.value
        report.add(Section(title: "3. Presence propagation", figures: [
            Figure(name: "p50", value: samples.p50 * 1000, unit: "ms"),
            Figure(name: "p99", value: samples.p99 * 1000, unit: "ms", target: "≤ 5 ms", met: samples.p99 <= 0.005),
        ], method: """
            \(rounds) rounds against a release `juiced`: bob is online; alice's login call returns \
            (the clock starts), she opens her sealed identity, dials bob from the buddy list and runs \
            the handshake; the clock stops when bob's client reports her online. Then she logs out.
            """))
    }
}
