import JuiceCore
@testable import JuicePeer
import Testing

/// Strangers (docs/protocol.md 4.8): a budget of handshakes per source address, spent before any
/// public-key work, and a cap on connections that are not yet authenticated.
@Suite struct SessionAdmissionTests {
    /// Today's defect: one global budget of 20 M1/s let a stranger keep every buddy out.
    @Test func junkFromAStrangerDoesNotKeepABuddyOut() throws {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        var admitted = 0
        for _ in 0..<1_000 {
            guard let link = m.sessions.accept(from: "192.0.2.66", now: m.now) else { continue }
            if m.sessions.admitsHandshake(on: link, now: m.now) { admitted += 1 }
            m.run { $0.closed(link, graceful: false, reason: "handshake failed", now: $1) }
        }
        #expect(admitted == 10, "the stranger's burst, and no more")
        // Alice, from her own address, still gets through at once.
        let (link, _) = m.aliceArrives(from: "198.51.100.7")
        #expect(m.sessions.activeLink(Machine.alice) == link)
        // The stranger's budget refills at 5 per second.
        m.advance(.seconds(1))
        let refilled = (0..<20).filter { _ in
            let link = m.sessions.accept(from: "192.0.2.66", now: m.now)!
            defer { m.run { $0.closed(link, graceful: false, reason: "handshake failed", now: $1) } }
            return m.sessions.admitsHandshake(on: link, now: m.now)
        }.count
        #expect(refilled == 5)
    }

    /// Only failures cost budget: a buddy who logs in again and again from one address (or many
    /// buddies behind one NAT) is never held back.
    @Test func aBuddysHandshakesAreGivenBack() {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        for round in 0..<100 { _ = m.aliceArrives(peerID: PeerID(rawValue: Int64(1_000 + round))!, timestamp: UInt64(1_000 + round)) }
        #expect(m.reports.filter(\.isOnline).count == 1)
        #expect(m.sessions.activeLink(Machine.alice) != nil)
    }

    @Test func manyStrangersTogetherMeetTheOverallCeiling() {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        var admitted = 0
        for source in 0..<500 {
            let link = m.sessions.accept(from: "10.0.\(source / 256).\(source % 256)", now: m.now)!
            if m.sessions.admitsHandshake(on: link, now: m.now) { admitted += 1 }
            m.run { $0.closed(link, graceful: false, reason: "handshake failed", now: $1) }
        }
        #expect(admitted == 200)
    }

    @Test func unauthenticatedConnectionsAreCappedPerSourceAndOverall() throws {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        let fromOne = (0..<20).compactMap { _ in m.sessions.accept(from: "192.0.2.66", now: m.now) }
        #expect(fromOne.count == 8)
        let fromMany = (0..<100).compactMap { m.sessions.accept(from: "10.0.0.\($0)", now: m.now) }
        #expect(fromMany.count == 64 - 8)
        // A connection that closes, or that authenticates, frees its place.
        m.run { $0.closed(fromOne[0], graceful: false, reason: "handshake failed", now: $1) }
        let againLink = m.accept(from: "192.0.2.66")
        let again = try #require(againLink)
        let againAdmitted = m.admitsHandshake(again)
        #expect(againAdmitted)
        m.run { $0.established(again, remoteStatic: Machine.aliceKey, remotePeerID: Machine.alicePeer, presence: Machine.presence, timestamp: 1, now: $1) }
        let refused = m.accept(from: "192.0.2.66")
        #expect(refused != nil)
    }

    @Test func idleSourcesAreForgotten() {
        var budget = AdmissionBudget(perSource: .init(perSecond: 5, burst: 10), overall: .init(perSecond: 100, burst: 200), now: .now)
        let start = ContinuousClock.now
        for source in 0..<100 { _ = budget.take("10.1.0.\(source)", now: start) }
        #expect(budget.rememberedSources == 100)
        budget.forgetIdle(now: start + .seconds(2))
        #expect(budget.rememberedSources == 0)
    }

    @Test func sourcesAreAddressesAndIPv6Slash64s() throws {
        #expect(AdmissionSource.of(try .init(ipAddress: "192.0.2.1", port: 5)) == "192.0.2.1")
        let one = AdmissionSource.of(try .init(ipAddress: "2001:db8:1:2::1", port: 5))
        #expect(one == "2001:db8:1:2::/64")
        #expect(AdmissionSource.of(try .init(ipAddress: "2001:db8:1:2:ffff::9", port: 5)) == one)
        #expect(AdmissionSource.of(try .init(ipAddress: "2001:db8:1:3::1", port: 5)) != one)
    }
}
