import JuiceCore
@testable import JuicePeer
import Testing

/// Leaving (docs/protocol.md 4.5): a goodbye on every session, written before its close, with a
/// deadline; the run loop ends only when every link is closed.
@Suite struct SessionLeavingTests {
    @Test func leavingSaysGoodbyeAndFinishesOnlyWhenEveryLinkClosed() throws {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false), Machine.carol()])
        let (alice, _) = m.aliceArrives()
        let pendingLink = m.accept(from: "10.9.9.9")
        let pending = try #require(pendingLink)
        let actions = m.run { $0.leave(now: $1) }
        #expect(actions.first == .stopListening)
        #expect(actions.contains(.sayGoodbye(alice)))
        #expect(closes(actions)[pending] != nil)
        #expect(!actions.contains(.finish))
        // Carol's dial was still connecting: closed once it connects, and never redialled.
        let refused = m.accept(from: "10.9.9.8")
        #expect(refused == nil)
        m.run { $0.closed(pending, graceful: false, reason: "logged out", now: $1) }
        #expect(!m.sessions.isFinished)
        #expect(m.run { $0.closed(alice, graceful: true, reason: "logged out", now: $1) } == [.finish])
        #expect(m.sessions.isFinished)
        #expect(!m.reports.contains { $0.isOffline }, "we are the one leaving: \(m.reports)")
    }

    @Test func aGoodbyeStuckBehindASlowBuddyIsForcedAtTheDeadline() {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        let (alice, _) = m.aliceArrives()
        m.run { $0.leave(now: $1) }
        #expect(!m.advance(.milliseconds(2_900)).contains(.finish))
        let actions = m.advance(.milliseconds(100))
        #expect(closes(actions)[alice] != nil)
        #expect(actions.last == .finish)
    }

    @Test func leavingWithNoSessionsFinishesAtOnce() {
        var m = Machine()
        #expect(m.run { $0.leave(now: $1) } == [.stopListening, .finish])
        #expect(m.run { $0.leave(now: $1) }.isEmpty)
    }
}
