import Foundation
import JuiceCore
@testable import JuicePeer
import Sodium
import JuiceTestSupport
import Testing

@Suite struct TrustTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trust-\(UInt32.random(in: 0...UInt32.max))")

    @Test func keysArePinnedOnFirstSightAndChangesAreCaught() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("known_keys")
        let bob = try Username("bob")
        let key = RandomBytes.bytes(32), other = RandomBytes.bytes(32)
        #expect(try KnownKeys(file: file).check(bob, key) == .pinnedNow)
        let reloaded = try KnownKeys(file: file)
        #expect(try reloaded.check(bob, key) == .matches)
        #expect(try reloaded.check(bob, other) == .changed(pinned: key))
        try reloaded.accept(bob, other)
        #expect(try KnownKeys(file: file).check(bob, other) == .matches)
    }

    @Test func safetyNumbersAreTheSameOnBothSidesAndChangeWithTheKey() throws {
        let alice = try Username("alice"), bob = try Username("bob")
        let a = RandomBytes.bytes(32), b = RandomBytes.bytes(32)
        let forAlice = try SafetyNumber.compute((alice, a), (bob, b))
        #expect(forAlice == (try SafetyNumber.compute((bob, b), (alice, a))))
        #expect(forAlice.filter(\.isNumber).count == 30)
        #expect(forAlice != (try SafetyNumber.compute((alice, a), (bob, RandomBytes.bytes(32)))))
    }

    @Test func aSubstitutedKeyBlocksDiallingAndSendingWithAClearWarning() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let events = Locked<[PeerEvent]>([])
        let bob = try Username("bob")
        let real = RandomBytes.bytes(32), substituted = try BoxKeyPair.generate().publicKey
        _ = try KnownKeys(directory: directory).check(bob, real)
        let network = try PeerNetwork(
            username: Username("alice"), presence: PeerPresence(capabilities: .none), stateDirectory: directory,
            emit: { event in events.withLock { $0.append(event) } }
        )
        let buddy = PeerNetwork.Buddy(username: bob, publicKey: substituted, peerID: PeerID(rawValue: 5)!, endpoint: try Endpoint("127.0.0.1:9"))
        await network.goOnline(identity: try BoxKeyPair.generate(), peerID: PeerID(rawValue: 7)!, buddies: [buddy])
        let warned = events.withLock { $0 }.contains { if case .keyChanged(bob, _) = $0 { true } else { false } }
        #expect(warned)
        await #expect(throws: InvalidValue.self) { try await network.send(text: "hi", to: bob) }
        let (_, changed) = try await network.verify(bob)
        #expect(changed)
        try await network.acceptKey(bob)
        #expect(try await network.verify(bob).changed == false)
        await network.shutdown()
    }
}
