import Foundation
import JuiceTestSupport
import NIOCore
import NIOPosix
import Sodium
import Synchronization
import Testing

/// A stranger floods alice's peer listener with junk M1s from 127.0.0.2 while bob, her buddy,
/// dials her from 127.0.0.1 (issue 9). Budgets per source address must keep bob's handshake
/// out of the stranger's reach: with one budget for every source (docs/protocol.md 4.3, before
/// issue 9), the stranger spends it and bob's single dial is dropped unanswered.
@Suite(.serialized) struct StrangerFloodEndToEndTests {
    @Test func aStrangersM1FloodFromAnotherAddressDoesNotKeepABuddyOut() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob"], buddies: [("alice", "bob")])
            let alice = try juice.login("alice", password: testPassword)
            let ready = try #require(await alice.waitForEvent("ready"), "alice: \(alice.errorOutput)")
            let port = try #require((ready["endpoint"] as? String)?.split(separator: ":").last.flatMap { Int($0) })

            let flood = try StrangerFlood(port: port)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await flood.run(workers: 4, maxConnections: 30_000, within: .seconds(10)) }
                // Bob dials only once the flood has spent any burst the budget had.
                let floodStart = ContinuousClock.now
                while flood.sent < 100, ContinuousClock.now - floodStart < .seconds(5) { try await Task.sleep(for: .milliseconds(10)) }
                let sentBeforeBob = flood.sent, bobStart = ContinuousClock.now
                #expect(sentBeforeBob >= 100, "the flood is too slow to test anything: \(sentBeforeBob) M1s in 5 s, \(flood.failures) failed connects")

                let bob = try juice.login("bob", password: testPassword)
                let deadline = bobStart + .seconds(8)
                let bobAtAlice = await alice.waitForEvent("online", timeout: deadline - .now) { $0["username"] as? String == "bob" }
                let aliceAtBob = await bob.waitForEvent("online", timeout: max(deadline - .now, .zero)) { $0["username"] as? String == "alice" }
                let sentMeanwhile = flood.sent - sentBeforeBob, elapsed = ContinuousClock.now - bobStart
                let during = "\(sentMeanwhile) junk M1s in \(elapsed) after bob's login"
                #expect(!flood.isFinished, "the flood ended before the buddies met: \(during)")
                #expect(bobAtAlice != nil, "alice never saw bob within 8 s of his login during the flood (\(during)): \(alice.output)")
                #expect(aliceAtBob != nil, "bob never saw alice within 8 s of his login during the flood: \(bob.output)")
                let floodTime = ContinuousClock.now - floodStart
                let rate = Double(flood.sent) / (Double(floodTime.components.seconds) + Double(floodTime.components.attoseconds) / 1e18)
                // Above the old single budget's 20 per second, so that it would stay empty.
                #expect(rate > 20, "the flood ran at \(Int(rate)) M1/s, too slow to spend a budget of 20/s")

                if bobAtAlice != nil, aliceAtBob != nil {
                    bob.send("/msg alice through the flood")
                    let message = await alice.waitForEvent("message", timeout: .seconds(5)) { $0["from"] as? String == "bob" }
                    #expect(message?["text"] as? String == "through the flood", "alice: \(alice.output)")
                }
                flood.stop()
                try await group.waitForAll()
                for process in [alice, bob] { process.closeInput() }
                for process in [alice, bob] { #expect(await process.waitForExit() == 0) }
            }
        }
    }
}

/// Someone who is nobody's buddy, with a fresh key pair, opening connection after connection to
/// a peer listener from 127.0.0.2 and sending one junk M1 on each: the right framing and length
/// (docs/protocol.md 4.1, 4.3: kind 1, 172 bytes for empty status text), version 1 and the
/// stranger's ephemeral key, then random bytes where the boxes go.
final class StrangerFlood: Sendable {
    private let port: Int
    private let key: [UInt8]
    private let counts = Mutex((sent: 0, failures: 0, stopped: false, finished: false))
    /// Its own event loop: the process's shared ones also carry the other tests of a parallel run.
    private let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Size of an M1 body with empty status text: version, E_i, n1, sealed S_i, n2, sealed payload.
    static let m1Length = 1 + 32 + 24 + 48 + 24 + 16 + 27

    init(port: Int) throws {
        self.port = port
        self.key = try BoxKeyPair.generate().publicKey
    }

    /// M1s sent so far.
    var sent: Int { counts.withLock { $0.sent } }
    /// Connections that could not be opened.
    var failures: Int { counts.withLock { $0.failures } }
    /// True once ``run(workers:maxConnections:within:)`` returned.
    var isFinished: Bool { counts.withLock { $0.finished } }

    /// Ends the flood after the connections under way.
    func stop() { counts.withLock { $0.stopped = true } }

    /// Floods with `workers` connections at a time until stopped, `maxConnections` were opened,
    /// or `within` has passed. Each worker is a chain of futures on the flood's own event loop,
    /// with no task hops: a parallel test run keeps the cooperative pool busy.
    func run(workers: Int, maxConnections: Int, within limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        let eventLoop = loop.next()
        let chains = (0..<workers).map { _ in
            let done = eventLoop.makePromise(of: Void.self)
            sendNext(deadline: deadline, maxConnections: maxConnections, done: done)
            return done.futureResult
        }
        for chain in chains { try? await chain.get() }
        counts.withLock { $0.finished = true }
        try? await loop.shutdownGracefully()
    }

    private func sendNext(deadline: ContinuousClock.Instant, maxConnections: Int, done: EventLoopPromise<Void>) {
        guard ContinuousClock.now < deadline, counts.withLock({ !$0.stopped && $0.sent + $0.failures < maxConnections }) else {
            return done.succeed()
        }
        var frame: [UInt8] = [0, 0, 0, UInt8(Self.m1Length + 1), 1, 1] + key
        frame += RandomBytes.bytes(Self.m1Length - 1 - key.count)
        let bytes = frame
        let connected: EventLoopFuture<any Channel>
        do {
            connected = ClientBootstrap(group: done.futureResult.eventLoop)
                .bind(to: try SocketAddress(ipAddress: "127.0.0.2", port: 0))
                .connect(host: "127.0.0.1", port: port)
        } catch {
            counts.withLock { $0.failures += 1 }
            return done.succeed()
        }
        // One junk M1, then our close: no waiting for the listener, a stranger does not care.
        connected.flatMap { channel in
            channel.writeAndFlush(ByteBuffer(bytes: bytes)).map { self.counts.withLock { $0.sent += 1 } }.always { _ in channel.close(promise: nil) }
        }.whenComplete { result in
            if case .failure = result { self.counts.withLock { $0.failures += 1 } }
            self.sendNext(deadline: deadline, maxConnections: maxConnections, done: done)
        }
    }
}
