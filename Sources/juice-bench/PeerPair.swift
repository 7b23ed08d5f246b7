import Foundation
import JuiceCore
import JuicePeer
import Sodium

/// Counts events and wakes whoever waits for the n-th one.
final class Arrivals: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var waiters: [(Int, CheckedContinuation<Void, Never>)] = []

    func arrived() {
        lock.lock()
        count += 1
        let ready = waiters.filter { $0.0 <= count }
        waiters.removeAll { $0.0 <= count }
        lock.unlock()
        ready.forEach { $0.1.resume() }
    }

    var current: Int { lock.withLock { count } }

    /// Waits until `n` events have arrived in all.
    func wait(for n: Int) async {
        await withCheckedContinuation { continuation in
            lock.lock()
            if count >= n {
                lock.unlock()
                continuation.resume()
            } else {
                waiters.append((n, continuation))
                lock.unlock()
            }
        }
    }
}

/// Two peer networks in this process with a real session between them over loopback.
struct PeerPair {
    let alice: PeerNetwork
    let bob: PeerNetwork
    let bobName: Username
    let messagesAtBob: Arrivals
    let receiptsAtAlice: Arrivals
    let directory: URL
    let tasks: [Task<Void, Never>]

    static func start() async throws -> PeerPair {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("juice-bench-\(UInt32.random(in: 0...UInt32.max))")
        let aliceName = try Username("alice"), bobName = try Username("bob")
        let aliceKey = try BoxKeyPair.generate(), bobKey = try BoxKeyPair.generate()
        let messages = Arrivals(), receipts = Arrivals(), online = Arrivals()
        let presence = PeerPresence(capabilities: Capabilities(camera: true, mic: true))
        let bob = try PeerNetwork(username: bobName, presence: presence, stateDirectory: directory.appendingPathComponent("bob")) { event in
            switch event {
            case .message: messages.arrived()
            case .online: online.arrived()
            default: break
            }
        }
        let alice = try PeerNetwork(username: aliceName, presence: presence, stateDirectory: directory.appendingPathComponent("alice")) { event in
            switch event {
            case .delivered: receipts.arrived()
            case .online: online.arrived()
            default: break
            }
        }
        let bobEndpoint = try await bob.listen(host: "127.0.0.1", port: 0)
        _ = try await alice.listen(host: "127.0.0.1", port: 0)
        let tasks = [Task { await bob.run() }, Task { await alice.run() }]
        await bob.goOnline(identity: bobKey, peerID: PeerID(rawValue: 2)!, buddies: [.init(username: aliceName, publicKey: aliceKey.publicKey, peerID: .offline, endpoint: nil)])
        await alice.goOnline(identity: aliceKey, peerID: PeerID(rawValue: 1)!, buddies: [.init(username: bobName, publicKey: bobKey.publicKey, peerID: PeerID(rawValue: 2)!, endpoint: bobEndpoint)])
        await online.wait(for: 2) // each side reports the other once its hello opens
        return PeerPair(alice: alice, bob: bob, bobName: bobName, messagesAtBob: messages, receiptsAtAlice: receipts, directory: directory, tasks: tasks)
    }

    func stop() async {
        await alice.shutdown()
        await bob.shutdown()
        for task in tasks { await task.value }
        try? FileManager.default.removeItem(at: directory)
    }
}
