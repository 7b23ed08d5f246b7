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
        let candidate = try #require(try await network.verify(bob).candidateSafetyNumber)
        await #expect(throws: InvalidValue.self) { try await network.acceptKey(bob, compared: "00000 00000 00000 00000 00000 00000") }
        #expect(try await network.verify(bob).changed)
        try await network.acceptKey(bob, compared: candidate)
        #expect(try await network.verify(bob).changed == false)
        await network.shutdown()
    }

    @Test func safetyNumbersComeFromTheOpenedIdentityAndThePinnedKey() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let alice = try Username("alice"), bob = try Username("bob")
        let identity = try BoxKeyPair.generate()
        let pinned = try BoxKeyPair.generate().publicKey, substituted = try BoxKeyPair.generate().publicKey
        let trust = BuddyTrust(username: alice, identity: identity, pins: try KnownKeys(directory: directory))
        let first = try trust.verify(bob, serverKey: pinned)
        #expect(first.safetyNumber == (try SafetyNumber.compute((alice, identity.publicKey), (bob, pinned))))
        #expect(!first.changed)
        // The server now states another key: the number stays the pinned key's, the new one is
        // offered only as a candidate, until accepted.
        let changed = try trust.verify(bob, serverKey: substituted)
        #expect(changed.safetyNumber == first.safetyNumber)
        #expect(changed.candidateSafetyNumber == (try SafetyNumber.compute((alice, identity.publicKey), (bob, substituted))))
        // Acceptance names the number compared: a key that gives another number is not pinned.
        #expect(throws: InvalidValue.self) { try trust.verify(bob, serverKey: try BoxKeyPair.generate().publicKey, accept: changed.candidateSafetyNumber) }
        let accepted = try trust.verify(bob, serverKey: substituted, accept: changed.candidateSafetyNumber)
        #expect(accepted.safetyNumber == changed.candidateSafetyNumber)
        #expect(!accepted.changed)
    }

    @Test func anUnreadableOrCorruptPinFileIsAnErrorNotAnEmptyOne() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("known_keys")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data("bob not-base64\n".utf8).write(to: file)
        #expect(throws: InvalidValue.self) { try KnownKeys(file: file) }
        try Data([0xff, 0xfe, 0x00]).write(to: file)
        #expect(throws: InvalidValue.self) { try KnownKeys(file: file) }
        try FileManager.default.removeItem(at: file)
        try FileManager.default.createDirectory(at: file, withIntermediateDirectories: true) // a directory: unreadable as a file
        #expect(throws: InvalidValue.self) { try KnownKeys(file: file) }
        let replay = directory.appendingPathComponent("replay.json")
        try Data("{not json".utf8).write(to: replay)
        #expect(throws: InvalidValue.self) { try ReplayGuard(file: replay) }
        #expect(throws: InvalidValue.self) { try PeerNetwork(username: Username("alice"), presence: PeerPresence(capabilities: .none), stateDirectory: directory) { _ in } }
    }

    @Test func sharedKeysAreFoundAmongBuddiesAndAgainstOurOwn() throws {
        let own = RandomBytes.bytes(32), one = RandomBytes.bytes(32), two = RandomBytes.bytes(32)
        let bob = try Username("bob"), carol = try Username("carol"), dave = try Username("dave"), erin = try Username("erin")
        #expect(SharedKeys.find(in: [(bob, one), (carol, two)], own: own).isEmpty)
        #expect(SharedKeys.find(in: [(bob, one), (carol, one), (dave, two)], own: own) == [bob, carol])
        #expect(SharedKeys.find(in: [(bob, one), (erin, own)], own: own) == [erin])
    }

    @Test func buddiesWithOneKeyBetweenThemAreNeitherTrustedNorMessaged() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let events = Locked<[PeerEvent]>([])
        let bob = try Username("bob"), carol = try Username("carol")
        let key = try BoxKeyPair.generate().publicKey
        let network = try PeerNetwork(
            username: Username("alice"), presence: PeerPresence(capabilities: .none), stateDirectory: directory,
            emit: { event in events.withLock { $0.append(event) } }
        )
        // Online, with an endpoint: only the shared key keeps them from being dialled or messaged.
        let buddies = try [bob, carol].enumerated().map { index, name in
            PeerNetwork.Buddy(username: name, publicKey: key, peerID: PeerID(rawValue: Int64(index + 10))!, endpoint: try Endpoint("127.0.0.1:9"))
        }
        await network.goOnline(identity: try BoxKeyPair.generate(), peerID: PeerID(rawValue: 7)!, buddies: buddies)
        let warnings = events.withLock { $0 }.compactMap { if case .error(let message) = $0 { message } else { nil } }
        #expect(warnings.contains { $0.contains("bob, carol") && $0.contains("same public key") }, "\(warnings)")
        for name in [bob, carol] {
            await #expect(throws: InvalidValue(SharedKeys.warning([name.value]))) { try await network.send(text: "hi", to: name) }
            await #expect(throws: InvalidValue.self) { try await network.verify(name) }
        }
        await network.shutdown()
    }

    /// A key pinned for one buddy, stated later for a new buddy, is not pinned for the new one:
    /// else the server could hide carol and show her sessions as "mallory".
    @Test func aKeyPinnedForOneBuddyIsNotPinnedForAnother() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let carol = try Username("carol"), mallory = try Username("mallory")
        let key = try BoxKeyPair.generate().publicKey
        let pins = try KnownKeys(directory: directory)
        #expect(try pins.check(carol, key) == .pinnedNow)
        #expect(try pins.check(mallory, key) == .pinnedForAnother("carol"))
        #expect(try KnownKeys(directory: directory).check(mallory, RandomBytes.bytes(32)) == .pinnedNow) // mallory was never pinned

        let events = Locked<[PeerEvent]>([])
        let network = try PeerNetwork(
            username: Username("alice"), presence: PeerPresence(capabilities: .none), stateDirectory: directory,
            emit: { event in events.withLock { $0.append(event) } }
        )
        let dave = try Username("dave")
        await network.goOnline(identity: try BoxKeyPair.generate(), peerID: PeerID(rawValue: 7)!, buddies: [
            PeerNetwork.Buddy(username: dave, publicKey: key, peerID: PeerID(rawValue: 9)!, endpoint: try Endpoint("127.0.0.1:9")),
        ])
        let warnings = events.withLock { $0 }.compactMap { if case .error(let message) = $0 { message } else { nil } }
        #expect(warnings.contains { $0.contains("carol, dave") }, "\(warnings)")
        await #expect(throws: InvalidValue.self) { try await network.send(text: "hi", to: dave) }
        let trust = BuddyTrust(username: try Username("alice"), identity: try BoxKeyPair.generate(), pins: try KnownKeys(directory: directory))
        #expect(throws: InvalidValue.self) { try trust.verify(dave, serverKey: key) }
        await network.shutdown()
    }
}
