import JuiceCore
@testable import JuicePeer
import Testing

/// What a changed, shared or removed key stops (docs/protocol.md 4.5 and 4.6).
@Suite struct SessionTrustTests {
    /// Today's defect: a removed buddy kept the live session, got our presence, and was heard.
    @Test func aRemovedBuddyLosesTheSessionThePresenceAndTheEar() throws {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        let (link, _) = m.aliceArrives()
        let actions = m.setBuddies([])
        #expect(actions.contains(.sayGoodbye(link)))
        #expect(m.reports.last == .offline(Machine.alice, reason: "removed"))
        #expect(m.sessions.activeLink(Machine.alice) == nil)
        // Until the goodbye is written and the link closes, nothing more goes to or comes from them.
        #expect(m.run { s, _ in s.publish(PeerPresence(capabilities: .none, status: .away)) }.isEmpty)
        let id = MessageID.random()
        #expect(m.run { $0.received(.chat(id: id, text: "still here"), on: link, now: $1) }.isEmpty, "no receipt, no report")
        #expect(throws: InvalidValue.self) { try m.run { s, _ in try s.send(text: "hi", id: id, to: Machine.alice) } }
        #expect(m.sessions.admits(remoteStatic: Machine.aliceKey, responderPeerID: Machine.myPeer) == .unknownPeer)
        m.run { $0.closed(link, graceful: true, reason: "logged out", now: $1) }
        #expect(m.reports.filter(\.isOffline).count == 1)
        #expect(dials(m.advance(.seconds(60))).isEmpty)
    }

    @Test func aDialUnderWayToARemovedBuddyIsClosedAndNeverRetried() throws {
        var m = Machine()
        let dialled = m.bobDialsAlice()
        let link = try #require(dialled)
        #expect(closes(m.setBuddies([]))[link] == "removed")
        m.run { $0.closed(link, graceful: false, reason: "removed", now: $1) }
        #expect(dials(m.advance(.seconds(60))).isEmpty)
        #expect(m.reports.isEmpty)
    }

    @Test func aGoodbyeThatDoesNotFlushIsForcedClosedAtItsDeadline() {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        let (link, _) = m.aliceArrives()
        m.setBuddies([])
        #expect(closes(m.advance(.milliseconds(2_900))).isEmpty)
        #expect(closes(m.advance(.milliseconds(100)))[link] != nil)
    }

    @Test func aChangedKeyIsReportedOnceAndBlocksDiallingAdmissionAndMessages() throws {
        var m = Machine()
        let changed = KeyTrust.changed(safetyNumber: "12345")
        #expect(dials(m.setBuddies([Machine.alice()], trust: [Machine.alice: changed])).isEmpty)
        m.setBuddies([Machine.alice()], trust: [Machine.alice: changed])
        #expect(m.reports == [.keyChanged(Machine.alice, safetyNumber: "12345")])
        #expect(m.sessions.admits(remoteStatic: Machine.aliceKey, responderPeerID: Machine.myPeer) == .unknownPeer)
        #expect(throws: InvalidValue.self) { try m.run { s, _ in try s.send(text: "hi", id: .random(), to: Machine.alice) } }
        // Accepted after comparing: trusted, dialled.
        #expect(dials(m.run { $0.keyAccepted(Machine.alice, now: $1) }).count == 1)
        #expect(m.sessions.admits(remoteStatic: Machine.aliceKey, responderPeerID: Machine.myPeer) == nil)
    }

    @Test func aKeyThatStopsBeingTrustedEndsTheLiveSession() {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        let (link, _) = m.aliceArrives()
        let actions = m.setBuddies([Machine.alice(online: false)], trust: [Machine.alice: .shared])
        #expect(actions.contains(.sayGoodbye(link)))
        #expect(m.reports.last == .offline(Machine.alice, reason: "key no longer trusted"))
        #expect(throws: InvalidValue(SharedKeys.warning(["alice"]))) { try m.run { s, _ in try s.send(text: "hi", id: .random(), to: Machine.alice) } }
    }

    @Test func anM1WithAStrangersKeyOrAnOldPeerIDIsRefused() {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        #expect(m.sessions.admits(remoteStatic: Machine.carolKey, responderPeerID: Machine.myPeer) == .unknownPeer)
        #expect(m.sessions.admits(remoteStatic: Machine.aliceKey, responderPeerID: PeerID(rawValue: 9)!) == .stalePeerID)
        #expect(m.sessions.admits(remoteStatic: Machine.aliceKey, responderPeerID: Machine.myPeer) == nil)
    }

    @Test func aChangePublishedDuringTheHandshakeFollowsIt() throws {
        var m = Machine()
        let dialled = m.setBuddies([Machine.alice()])
        let link = try #require(dials(dialled).first)
        let away = PeerPresence(capabilities: .none, status: .away)
        #expect(m.run { s, _ in s.publish(away) }.isEmpty, "no session yet")
        #expect(sends(m.dialCompletes(link), on: link) == [.presence(away)])
    }

    @Test func presenceGoesToEveryTrustedSession() {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        let (link, _) = m.aliceArrives()
        let away = PeerPresence(capabilities: .none, status: .away, statusText: "lunch")
        #expect(m.run { s, _ in s.publish(away) } == [.send(link, .presence(away))])
        #expect(m.sessions.presence == away)
    }
}
