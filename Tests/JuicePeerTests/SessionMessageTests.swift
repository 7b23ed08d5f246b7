import JuiceCore
@testable import JuicePeer
import Testing

/// Messages across a replaced session (docs/protocol.md 4.5): what went out on the session that
/// lost, unconfirmed, is sent again on the one that stays, and the receiver shows each ID once.
@Suite struct SessionMessageTests {
    @Test func unconfirmedMessagesFollowTheSessionThatStays() throws {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        let (first, _) = m.aliceArrives(timestamp: 1_000)
        let id = MessageID.random(), confirmed = MessageID.random()
        #expect(try m.run { s, _ in try s.send(text: "hello", id: id, to: Machine.alice) } == [.send(first, .chat(id: id, text: "hello"))])
        _ = try m.run { s, _ in try s.send(text: "seen", id: confirmed, to: Machine.alice) }
        m.run { $0.received(.delivered(confirmed), on: first, now: $1) }
        // Alice logs in again before bob noticed: the new session replaces the old one.
        let (second, actions) = m.aliceArrives(peerID: PeerID(rawValue: 333)!, timestamp: 1_001)
        #expect(sends(actions, on: second) == [.chat(id: id, text: "hello")], "only the unconfirmed one")
        m.run { $0.received(.delivered(id), on: second, now: $1) }
        #expect(m.reports.filter { $0 == .delivered(to: Machine.alice, id: id) }.count == 1)
        // Confirmed: a further replacement sends nothing again.
        let (_, next) = m.aliceArrives(peerID: PeerID(rawValue: 444)!, timestamp: 1_002)
        #expect(!next.contains { if case .send(_, .chat) = $0 { true } else { false } })
    }

    /// At most 256 unconfirmed messages per buddy are kept for sending again: the oldest go first.
    @Test func theUnconfirmedAreBounded() throws {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        let (first, _) = m.aliceArrives(timestamp: 1_000)
        let ids = (0..<1_000).map { _ in MessageID.random() }
        for id in ids { _ = try m.run { s, _ in try s.send(text: "x", id: id, to: Machine.alice) } }
        for id in ids.prefix(900) { m.run { $0.received(.delivered(id), on: first, now: $1) } }
        let (second, actions) = m.aliceArrives(peerID: PeerID(rawValue: 333)!, timestamp: 1_001)
        #expect(sends(actions, on: second) == ids.suffix(100).map { .chat(id: $0, text: "x") })
        #expect(m.reports.filter { if case .delivered = $0 { true } else { false } }.count == 900, "every receipt is reported")
    }

    /// While bob's `offline` for alice is held for a session being set up, a message to her waits
    /// for that session; if it fails, bob is told the message was not sent.
    @Test(arguments: [true, false])
    func aMessageDuringAHeldDepartureWaitsForTheSessionBeingSetUp(itCompletes: Bool) throws {
        var m = Machine()
        let (first, again) = m.aliceRedialsDuringASession()
        let second = try #require(again)
        m.run { $0.closed(first, graceful: false, reason: "connection lost", now: $1) }
        let id = MessageID.random()
        #expect(try m.run { s, _ in try s.send(text: "wait for it", id: id, to: Machine.alice) }.isEmpty)
        if itCompletes {
            let actions = m.run { $0.established(second, remoteStatic: Machine.aliceKey, remotePeerID: Machine.alicePeer, presence: Machine.presence, timestamp: 2_000, now: $1) }
            #expect(sends(actions, on: second) == [.chat(id: id, text: "wait for it")])
        } else {
            m.run { $0.closed(second, graceful: false, reason: "handshake failed", now: $1) }
            #expect(m.reports.suffix(2) == [.offline(Machine.alice, reason: "connection lost"), .error("alice went offline: 1 message not sent")])
        }
    }

    @Test func aMessageSentAgainIsShownOnceAndConfirmedEachTime() throws {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        let (first, _) = m.aliceArrives(timestamp: 1_000)
        let id = MessageID.random()
        #expect(m.run { $0.received(.chat(id: id, text: "hi"), on: first, now: $1) } == [.send(first, .delivered(id)), .report(.message(from: Machine.alice, id: id, text: "hi"))])
        let (second, _) = m.aliceArrives(peerID: PeerID(rawValue: 333)!, timestamp: 1_001)
        #expect(m.run { $0.received(.chat(id: id, text: "hi"), on: second, now: $1) } == [.send(second, .delivered(id))])
        #expect(m.reports.filter { if case .message = $0 { true } else { false } }.count == 1)
    }

    @Test func aNewArrivalGetsNothingAPastSessionLeftUnconfirmed() throws {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        let (first, _) = m.aliceArrives(timestamp: 1_000)
        _ = try m.run { s, _ in try s.send(text: "lost with the session", id: .random(), to: Machine.alice) }
        m.run { $0.closed(first, graceful: true, reason: "goodbye", now: $1) }
        let (second, actions) = m.aliceArrives(peerID: PeerID(rawValue: 333)!, timestamp: 2_000)
        #expect(sends(actions, on: second).isEmpty)
    }

    @Test func rememberedIDsAreBounded() {
        var recent = BuddySessions.RecentIDs()
        let ids = (0..<300).map { _ in MessageID.random() }
        let firsts = ids.map { recent.insert($0, keeping: 256) }
        #expect(firsts.allSatisfy { $0 })
        #expect(recent.ids.count == 256)
        let oldestAgain = recent.insert(ids[0], keeping: 256), newestAgain = recent.insert(ids[299], keeping: 256)
        #expect(oldestAgain, "the oldest were forgotten")
        #expect(!newestAgain)
    }
}
