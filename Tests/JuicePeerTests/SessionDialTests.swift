import JuiceCore
@testable import JuicePeer
import Testing

/// Dialling (docs/protocol.md 4.5): who is dialled, once, and redialled with backoff after a
/// loss or a failed dial, the first one too, for as long as the lease may last.
@Suite struct SessionDialTests {
    @Test func onlineBuddiesWithAnEndpointAreDialledOnce() throws {
        var m = Machine()
        let actions = m.setBuddies([Machine.alice(), Machine.carol(online: false)])
        #expect(dials(actions).count == 1)
        guard case .dial(_, let dial) = try #require(actions.first) else { Issue.record("\(actions)"); return }
        #expect(dial.buddy.username == Machine.alice && dial.localPeerID == Machine.myPeer)
        // A refresh while the dial is under way, or once the session is up, dials nothing more.
        #expect(dials(m.setBuddies([Machine.alice(), Machine.carol(online: false)])).isEmpty)
        _ = m.dialCompletes(dials(actions)[0])
        #expect(dials(m.setBuddies([Machine.alice()])).isEmpty)
        #expect(m.reports.filter(\.isOnline).count == 1)
    }

    @Test func nobodyIsDialledWhileWeAreOffline() {
        var m = Machine()
        m.sessions.goOnline(peerID: .offline, retryWindow: nil, now: m.now)
        #expect(dials(m.setBuddies([Machine.alice()])).isEmpty)
        let refused = m.accept(from: "127.0.0.1")
        #expect(refused == nil)
    }

    /// Today's defect: a first dial that failed was never retried.
    @Test func aFailedFirstDialIsRetriedWithBackoff() throws {
        var m = Machine()
        var link = try #require(dials(m.setBuddies([Machine.alice()])).first)
        var gaps: [Duration] = []
        for _ in 0..<5 {
            m.run { $0.dialFailed(link, reason: "connection refused", now: $1) }
            let failedAt = m.now
            var next: BuddySessions.LinkID?
            for _ in 0..<400 where next == nil { next = dials(m.advance(.milliseconds(100))).first }
            link = try #require(next, "never redialled")
            gaps.append(m.now - failedAt)
        }
        #expect(gaps == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8)])
        // Success ends the redials.
        _ = m.dialCompletes(link)
        #expect(m.sessions.retries.isEmpty)
    }

    @Test func redialsStopWhenTheLeaseCanNoLongerBeValid() throws {
        var settings = SessionSettings()
        settings.retryWindow = .seconds(10)
        var m = Machine(settings: settings)
        var link = try #require(dials(m.setBuddies([Machine.alice()])).first)
        var attempts = 0
        for _ in 0..<20 {
            m.run { $0.dialFailed(link, reason: "connection refused", now: $1) }
            guard let next = dials(m.advance(.seconds(31))).first else { break }
            link = next
            attempts += 1
        }
        #expect(attempts == 1, "0.5 s, then 1 s: past the 10 s window only the first fits in 31 s steps")
        #expect(m.sessions.retries.isEmpty)
        #expect(dials(m.advance(.seconds(60))).isEmpty)
    }

    @Test func aLostSessionIsRedialledButAGoodbyeIsNot() throws {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        let (link, _) = m.aliceArrives()
        m.run { $0.closed(link, graceful: false, reason: "connection lost", now: $1) }
        #expect(m.reports.last == .offline(Machine.alice, reason: "connection lost"))
        #expect(dials(m.advance(.milliseconds(500))).count == 0, "alice was offline in the list: no endpoint to dial")

        var n = Machine()
        let first = try #require(dials(n.setBuddies([Machine.alice()])).first)
        _ = n.dialCompletes(first)
        n.run { $0.closed(first, graceful: false, reason: "connection lost", now: $1) }
        let second = try #require(dials(n.advance(.milliseconds(500))).first)
        _ = n.dialCompletes(second, timestamp: 2_000)
        n.run { $0.closed(second, graceful: true, reason: "goodbye", now: $1) }
        #expect(n.reports.last == .offline(Machine.alice, reason: "goodbye"))
        #expect(dials(n.advance(.seconds(60))).isEmpty)
        #expect(n.reports.filter(\.isOnline).count == 2)
    }
}
