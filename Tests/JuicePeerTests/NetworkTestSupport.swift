import Foundation
import JuiceCore
@testable import JuicePeer
import Sodium
import JuiceTestSupport
import Testing

/// A peer network with a fresh identity and state directory, recording what it reports.
struct RecordedNetwork {
    let name: Username
    let identity = try! BoxKeyPair.generate()
    let peerID: PeerID
    let network: PeerNetwork
    let events = Locked<[PeerEvent]>([])
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("peer-net-\(UInt32.random(in: 0...UInt32.max))")

    init(_ name: String, peerID: Int64, goodbyeTimeout: Duration = .seconds(3)) throws {
        self.name = try Username(name)
        self.peerID = PeerID(rawValue: peerID)!
        let events = self.events
        var settings = SessionSettings(keepalive: KeepaliveSettings(interval: .seconds(1), timeout: .seconds(3)))
        settings.goodbyeTimeout = goodbyeTimeout
        network = try PeerNetwork(
            username: self.name, presence: PeerPresence(capabilities: .none), stateDirectory: directory, settings: settings,
            emit: { event in events.withLock { $0.append(event) } }
        )
    }

    /// How this user appears in a buddy's list: online at `endpoint`, or offline without one.
    func asBuddy(at endpoint: Endpoint? = nil) -> PeerNetwork.Buddy {
        PeerNetwork.Buddy(username: name, publicKey: identity.publicKey, peerID: endpoint == nil ? .offline : peerID, endpoint: endpoint)
    }

    /// Events reported so far.
    var reported: [PeerEvent] { events.withLock { $0 } }

    /// The `online` events reported so far.
    var onlineEvents: [PeerEvent] { reported.filter { if case .online = $0 { true } else { false } } }

    /// Waits (at most `timeout`, polling every 20 ms) until an event matches.
    func waitFor(timeout: Duration = .seconds(5), _ predicate: (PeerEvent) -> Bool) async -> PeerEvent? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let match = reported.first(where: predicate) { return match }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return reported.first(where: predicate)
    }

    func removeState() { try? FileManager.default.removeItem(at: directory) }
}

/// Runs two networks on loopback (each listening, each with its run loop) around `body`, and
/// always shuts both down afterwards.
func withLiveNetworks(_ a: RecordedNetwork, _ b: RecordedNetwork, _ body: (Endpoint, Endpoint) async throws -> Void) async throws {
    let endpointA = try await a.network.listen(host: "127.0.0.1", port: 0)
    let endpointB = try await b.network.listen(host: "127.0.0.1", port: 0)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await a.network.run() }
        group.addTask { await b.network.run() }
        var failure: (any Error)?
        do { try await body(endpointA, endpointB) } catch { failure = error }
        await a.network.shutdown()
        await b.network.shutdown()
        try await group.waitForAll()
        a.removeState()
        b.removeState()
        if let failure { throw failure }
    }
}

/// Bob online with alice offline; then alice online, dialling bob; returns once bob has her.
func aliceDialsBob(_ alice: RecordedNetwork, _ bob: RecordedNetwork, at bobEndpoint: Endpoint) async throws {
    await bob.network.goOnline(identity: bob.identity, peerID: bob.peerID, buddies: [alice.asBuddy()])
    await alice.network.goOnline(identity: alice.identity, peerID: alice.peerID, buddies: [bob.asBuddy(at: bobEndpoint)])
    try #require(await bob.waitFor { if case .online = $0 { true } else { false } } != nil, "\(bob.reported)")
}
