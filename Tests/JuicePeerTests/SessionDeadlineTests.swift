import JuiceCore
@testable import JuicePeer
import Testing

/// Deadlines (docs/protocol.md 4.5): a connection must become a session within 10 s of opening,
/// whatever it sends meanwhile; a session silent for the keepalive timeout is offline.
@Suite struct SessionDeadlineTests {
    @Test func aSilentConnectionClosesTwoSecondsAfterItOpens() throws {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        let accepted = m.accept(from: "127.0.0.1")
        let link = try #require(accepted)
        #expect(closes(m.advance(.milliseconds(1_900))).isEmpty)
        #expect(closes(m.advance(.milliseconds(100)))[link] == "handshake timed out")
        #expect(m.reports.isEmpty)
    }

    @Test func aHandshakeMustCompleteTenSecondsAfterTheConnectionOpened() throws {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        let accepted = m.accept(from: "127.0.0.1")
        let link = try #require(accepted)
        m.advance(.milliseconds(1_900))
        let admitted = m.admitsHandshake(link) // an M1 arrives: the deadline is 10 s from the accept
        #expect(admitted)
        #expect(closes(m.advance(.milliseconds(8_000))).isEmpty)
        #expect(closes(m.advance(.milliseconds(100)))[link] == "handshake timed out")
        #expect(m.reports.isEmpty)
    }

    @Test func aDialsDeadlineStartsWhenItsConnectCompletes() throws {
        var m = Machine()
        let link = try #require(dials(m.setBuddies([Machine.alice()])).first)
        m.advance(.seconds(4)) // the TCP connect takes a while
        m.run { $0.connected(link, now: $1) }
        #expect(closes(m.advance(.milliseconds(9_900))).isEmpty)
        #expect(closes(m.advance(.milliseconds(100)))[link] == "handshake timed out")
        // Its close is a failed dial: redialled.
        m.run { $0.closed(link, graceful: false, reason: "handshake timed out", now: $1) }
        #expect(dials(m.advance(.milliseconds(500))).count == 1)
    }

    @Test func aSessionIsPingedAndASilentOneGoesOfflineAndIsRedialled() throws {
        var m = Machine()
        let link = try #require(dials(m.setBuddies([Machine.alice()])).first)
        _ = m.dialCompletes(link)
        // Pings every 5 s; a pong (or anything else) keeps the session.
        for _ in 0..<3 {
            #expect(sends(m.advance(.seconds(5)), on: link) == [.ping])
            m.run { $0.received(.pong, on: link, now: $1) }
        }
        #expect(!m.reports.contains { $0.isOffline })
        // Silence: pings at 5 and 10 s, offline at 15 s, then a redial.
        let actions = m.advance(.seconds(15))
        #expect(sends(actions, on: link) == [.ping, .ping])
        #expect(closes(actions)[link] == "keepalive timeout")
        #expect(m.reports.last == .offline(Machine.alice, reason: "keepalive timeout"))
        m.run { $0.closed(link, graceful: false, reason: "keepalive timeout", now: $1) }
        #expect(m.reports.filter(\.isOffline).count == 1)
        #expect(dials(m.advance(.milliseconds(500))).count == 1)
    }

    @Test func pingsAreAnsweredAndTheNextDeadlineIsTheEarliest() throws {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        let (link, _) = m.aliceArrives()
        #expect(m.run { $0.received(.ping, on: link, now: $1) } == [.send(link, .pong)])
        #expect(m.sessions.nextDeadline == m.now + .seconds(5))
        _ = m.accept(from: "127.0.0.9")
        #expect(m.sessions.nextDeadline == m.now + .seconds(2), "its M1 is due in 2 s")
    }
}
