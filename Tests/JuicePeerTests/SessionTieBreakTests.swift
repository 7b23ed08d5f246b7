import JuiceCore
@testable import JuicePeer
import Testing

/// Two sessions with one buddy (docs/protocol.md 4.5): the machine keeps the one the protocol
/// names, closes the other, and reports `online` once per arrival, never for a replacement.
/// The events come in the orders a real race can produce.
@Suite struct SessionTieBreakTests {
    @Test func aSessionThatReplacesALiveOneReportsNoSecondOnline() {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        let (first, _) = m.aliceArrives(timestamp: 1_000)
        // Alice logs in again (a new peer ID) before bob noticed the old session die.
        let (second, actions) = m.aliceArrives(peerID: PeerID(rawValue: 333)!, timestamp: 1_001)
        #expect(closes(actions)[first] == "replaced")
        #expect(m.sessions.activeLink(Machine.alice) == second)
        m.run { $0.closed(first, graceful: false, reason: "connection lost", now: $1) }
        #expect(m.reports.filter(\.isOnline).count == 1)
        #expect(m.reports.count == 1, "no offline for the replaced session: \(m.reports)")
        // A replacement with another status reports the status, still not `online`.
        let away = PeerPresence(capabilities: .none, status: .away, statusText: "lunch")
        _ = m.aliceArrives(peerID: PeerID(rawValue: 444)!, presence: away, timestamp: 1_002)
        #expect(m.reports.last == .presence(Machine.alice, away))
        #expect(m.reports.filter(\.isOnline).count == 1)
    }

    /// Alice's dial reaches bob first, while bob's own dial to her is still under way: bob keeps
    /// his dial running, since the tie-break on both sides may yet prefer it.
    @Test func aSessionTheBuddyDialledLeavesOurDialRunning() throws {
        var m = Machine()
        let dialled = m.bobDialsAlice()
        let mine = try #require(dialled)
        let (_, actions) = m.aliceArrives()
        #expect(closes(actions)[mine] == nil, "\(actions)")
    }

    @Test(arguments: [false, true])
    func simultaneousDialsKeepTheOneDialledByTheSmallerUsername(incomingFirst: Bool) throws {
        var m = Machine()
        let dialled = m.bobDialsAlice()
        let mine = try #require(dialled) // bob dials alice
        let theirsLink = m.accept(from: "127.0.0.1")
        let theirs = try #require(theirsLink) // alice dials bob
        let events: [(inout BuddySessions, ContinuousClock.Instant) -> [SessionAction]] = [
            { $0.established(theirs, remoteStatic: Machine.aliceKey, remotePeerID: Machine.alicePeer, presence: Machine.presence, timestamp: 1_005, now: $1) },
            { $0.established(mine, remoteStatic: Machine.aliceKey, remotePeerID: nil, presence: Machine.presence, timestamp: 1_000, now: $1) },
        ]
        for event in incomingFirst ? events : events.reversed() { m.run(event) }
        #expect(m.sessions.activeLink(Machine.alice) == theirs) // "alice" < "bob"
        #expect(m.reports.filter(\.isOnline).count == 1, "\(m.reports)")
    }

    @Test(arguments: [false, true])
    func twoSessionsDialledByOneSideKeepTheLaterTimestamp(laterFirst: Bool) {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        let order: [UInt64] = laterFirst ? [1_050, 1_000] : [1_000, 1_050]
        let links = order.map { m.aliceArrives(timestamp: $0).0 }
        #expect(m.sessions.activeLink(Machine.alice) == links[laterFirst ? 0 : 1])
        #expect(m.reports.filter(\.isOnline).count == 1, "\(m.reports)")
    }

    /// Alice keeps her own dial and closes bob's, which bob had established first; her close can
    /// reach bob before her dial completes on his side. No `offline` then `online` again.
    @Test(arguments: [false, true])
    func theLoserClosedByTheOtherSideBeforeTheWinnerCompletesIsNoDeparture(winnerFails: Bool) throws {
        var m = Machine()
        let dialled = m.setBuddies([Machine.alice()])
        let mine = try #require(dials(dialled).first)
        _ = m.dialCompletes(mine)
        let accepted = m.accept(from: "127.0.0.1")
        let theirs = try #require(accepted)
        let admitted = m.admitsHandshake(theirs)
        #expect(admitted)
        #expect(m.run { s, _ in s.admit(theirs, remoteStatic: Machine.aliceKey, responderPeerID: Machine.myPeer) == nil ? [] : [.finish] }.isEmpty)
        m.run { $0.closed(mine, graceful: false, reason: "connection lost", now: $1) }
        #expect(m.reports.filter(\.isOffline).isEmpty, "held while alice's own dial completes")
        if winnerFails {
            m.run { $0.closed(theirs, graceful: false, reason: "handshake failed", now: $1) }
            #expect(m.reports.last == .offline(Machine.alice, reason: "connection lost"))
            #expect(dials(m.advance(.milliseconds(500))).count == 1)
        } else {
            m.run { $0.established(theirs, remoteStatic: Machine.aliceKey, remotePeerID: Machine.alicePeer, presence: Machine.presence, timestamp: 2_000, now: $1) }
            #expect(m.sessions.activeLink(Machine.alice) == theirs)
            #expect(m.reports == [.online(Machine.alice, peerID: Machine.alicePeer, endpoint: "127.0.0.1:4000", path: .direct, presence: Machine.presence)])
        }
    }

    /// A goodbye is definitive: no waiting for a handshake that may be under way. A departure
    /// held for a handshake is reported when the buddy is removed meanwhile.
    @Test(arguments: [true, false])
    func aHeldDepartureEndsWithAGoodbyeOrARemoval(goodbye: Bool) throws {
        var m = Machine()
        let (first, again) = m.aliceRedialsDuringASession()
        let second = try #require(again)
        m.run { $0.closed(first, graceful: goodbye, reason: goodbye ? "goodbye" : "connection lost", now: $1) }
        if goodbye {
            #expect(m.reports.last == .offline(Machine.alice, reason: "goodbye"))
            return
        }
        #expect(m.reports.filter(\.isOffline).isEmpty)
        let actions = m.setBuddies([])
        #expect(closes(actions)[second] == "removed", "the handshake under way closes too")
        #expect(m.reports.last == .offline(Machine.alice, reason: "removed"))
        m.run { $0.established(second, remoteStatic: Machine.aliceKey, remotePeerID: Machine.alicePeer, presence: Machine.presence, timestamp: 3_000, now: $1) }
        #expect(m.reports.filter(\.isOnline).count == 1)
    }

    /// Both dialled into one TCP connection and bob answered alice's crossed M1: the session is
    /// alice's dial on both sides, so against another session with her the tie-break agrees.
    @Test func aCrossedDialWeAnsweredCountsAsTheBuddys() throws {
        var m = Machine()
        let dialled = m.bobDialsAlice()
        let crossed = try #require(dialled)
        let admitted = m.admitsHandshake(crossed)
        #expect(admitted, "a crossed M1 on our own dial spends no stranger budget")
        let actions = m.run { $0.established(crossed, remoteStatic: Machine.aliceKey, remotePeerID: Machine.alicePeer, presence: Machine.presence, timestamp: 1_000, now: $1) }
        #expect(actions.contains(.recordReplay(key: Machine.aliceKey, timestamp: 1_000)))
        // Bob's own dial to alice (a later attempt) completes too: rule 2 keeps the one alice
        // dialled ("alice" < "bob"), which is the crossed one.
        let later = m.run { s, now in
            let id = s.newLinkID()
            s.links[id] = .init(origin: .dialled(Machine.alice), phase: .handshaking(deadline: now + .seconds(10)), opened: now, remotePeerID: Machine.alicePeer, lastHeard: now, nextPing: now)
            return s.established(id, remoteStatic: Machine.aliceKey, remotePeerID: nil, presence: Machine.presence, timestamp: 2_000, now: now)
        }
        #expect(m.sessions.activeLink(Machine.alice) == crossed)
        #expect(!closes(later).isEmpty)
        #expect(m.reports.filter(\.isOnline).count == 1)
    }

    @Test func aDialThatCompletesAfterTheBuddyWasRemovedReportsNothing() throws {
        var m = Machine()
        let link = try #require(dials(m.setBuddies([Machine.alice()])).first)
        m.setBuddies([])
        _ = m.dialCompletes(link)
        #expect(m.reports.isEmpty, "\(m.reports)")
        #expect(m.sessions.activeLink(Machine.alice) == nil)
    }
}
