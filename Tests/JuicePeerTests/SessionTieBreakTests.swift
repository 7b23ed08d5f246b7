import Foundation
import JuiceCore
@testable import JuicePeer
import Sodium
import JuiceTestSupport
import Testing

/// Two sessions with one buddy (docs/protocol.md 4.5): the network keeps the one the protocol
/// names, closes the other, and reports `online` once per arrival, never for a replacement.
/// The events are fed by hand, in the orders a real race can produce; no sockets.
@Suite struct SessionTieBreakTests {
    let presence = PeerPresence(capabilities: Capabilities(camera: true, mic: false))
    let now = UInt64(Date().timeIntervalSince1970 * 1000)

    /// Bob's network with alice (offline, so nobody is dialled) as his buddy.
    func bobWithAlice() async throws -> (bob: RecordedNetwork, alice: RecordedNetwork) {
        let bob = try RecordedNetwork("bob", peerID: 222), alice = try RecordedNetwork("alice", peerID: 111)
        await bob.network.goOnline(identity: bob.identity, peerID: bob.peerID, buddies: [alice.asBuddy()])
        return (bob, alice)
    }

    func arrival(_ link: Int, from alice: RecordedNetwork, peerID: Int64 = 111, presence: PeerPresence? = nil, timestamp: UInt64) -> PeerChannelHandler.Event {
        .established(linkID: link, remoteStatic: alice.identity.publicKey, remotePeerID: PeerID(rawValue: peerID)!, presence: presence ?? self.presence, timestamp: timestamp)
    }

    @Test func aSessionThatReplacesALiveOneReportsNoSecondOnline() async throws {
        let (bob, alice) = try await bobWithAlice()
        defer { bob.removeState() }
        await bob.network.openLink(1)
        await bob.network.deliver(arrival(1, from: alice, timestamp: now))
        // Alice logs in again (a new peer ID) before bob noticed the old session die.
        await bob.network.openLink(2)
        await bob.network.deliver(arrival(2, from: alice, peerID: 333, timestamp: now + 1))
        #expect(await bob.network.activeLink(alice.name) == 2)
        await bob.network.deliver(.closed(linkID: 1, graceful: false, reason: "connection lost"))
        #expect(bob.onlineEvents.count == 1, "\(bob.reported)")
        #expect(bob.reported.count == 1, "no offline for the replaced session: \(bob.reported)")
        // A replacement with another status reports the status, still not `online`.
        let away = PeerPresence(capabilities: .none, status: .away, statusText: "lunch")
        await bob.network.openLink(3)
        await bob.network.deliver(arrival(3, from: alice, peerID: 444, presence: away, timestamp: now + 2))
        #expect(bob.reported.last == .presence(alice.name, away))
        #expect(bob.onlineEvents.count == 1)
    }

    @Test(arguments: [false, true])
    func simultaneousDialsKeepTheOneDialledByTheSmallerUsername(incomingFirst: Bool) async throws {
        let (bob, alice) = try await bobWithAlice()
        defer { bob.removeState() }
        await bob.network.openLink(1, dialling: alice.name, remotePeerID: alice.peerID) // bob dialled alice
        await bob.network.openLink(2) // alice dialled bob
        let mine = PeerChannelHandler.Event.established(linkID: 1, remoteStatic: alice.identity.publicKey, remotePeerID: nil, presence: presence, timestamp: now)
        let theirs = arrival(2, from: alice, timestamp: now + 5)
        for event in incomingFirst ? [theirs, mine] : [mine, theirs] { await bob.network.deliver(event) }
        #expect(await bob.network.activeLink(alice.name) == 2) // "alice" < "bob"
        #expect(bob.onlineEvents.count == 1, "\(bob.reported)")
    }

    @Test(arguments: [false, true])
    func twoSessionsDialledByOneSideKeepTheLaterTimestamp(laterFirst: Bool) async throws {
        let (bob, alice) = try await bobWithAlice()
        defer { bob.removeState() }
        await bob.network.openLink(1)
        await bob.network.openLink(2)
        let earlier = arrival(1, from: alice, timestamp: now), later = arrival(2, from: alice, timestamp: now + 50)
        for event in laterFirst ? [later, earlier] : [earlier, later] { await bob.network.deliver(event) }
        #expect(await bob.network.activeLink(alice.name) == 2)
        #expect(bob.onlineEvents.count == 1, "\(bob.reported)")
    }

    @Test func aDialThatCompletesAfterTheBuddyWasRemovedReportsNothing() async throws {
        let (bob, alice) = try await bobWithAlice()
        defer { bob.removeState() }
        await bob.network.openLink(1, dialling: alice.name, remotePeerID: alice.peerID)
        await bob.network.update(buddies: [])
        await bob.network.deliver(.established(linkID: 1, remoteStatic: alice.identity.publicKey, remotePeerID: nil, presence: presence, timestamp: now))
        #expect(bob.reported.isEmpty, "\(bob.reported)")
        #expect(await bob.network.activeLink(alice.name) == nil)
    }
}
