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
            guard let link = m.accept(from: "192.0.2.66") else { continue }
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
            let link = m.accept(from: "192.0.2.66")!
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
            let link = m.accept(from: "10.0.\(source / 256).\(source % 256)")!
            if m.sessions.admitsHandshake(on: link, now: m.now) { admitted += 1 }
            m.run { $0.closed(link, graceful: false, reason: "handshake failed", now: $1) }
        }
        #expect(admitted == 200)
    }

    /// Past the caps a new connection makes room by closing the oldest stranger from its own
    /// source, or from the source that holds the most: nobody can fill the table and keep a
    /// buddy's connection out.
    @Test func unauthenticatedConnectionsAreCappedPerSourceAndOverall() throws {
        var m = Machine()
        m.setBuddies([Machine.alice(online: false)])
        let fromOne = (0..<20).compactMap { _ in m.accept(from: "192.0.2.66") }
        #expect(fromOne.count == 20)
        #expect(m.evicted == Array(fromOne.prefix(12)), "the oldest go first")
        #expect(m.sessions.links.values.filter(\.isStranger).count == 8)
        // 56 more sources fill the table; then each newcomer closes one of 192.0.2.66's.
        for index in 0..<56 { _ = m.accept(from: "10.0.0.\(index)") }
        #expect(m.evicted.count == 12)
        _ = m.accept(from: "10.0.1.1")
        #expect(m.evicted.last == fromOne[12])
        #expect(m.sessions.links.values.filter(\.isStranger).count == 64)
        // Alice, from yet another address, always gets a place, and through.
        let (alice, _) = m.aliceArrives(from: "198.51.100.7")
        #expect(m.sessions.activeLink(Machine.alice) == alice)
    }

    /// Many sources at once can empty the overall bucket; a source that authenticated a buddy
    /// lately, or a buddy's own endpoint address, does not draw on it.
    @Test func aFloodFromManySourcesDoesNotKeepAKnownBuddyOut() throws {
        var m = Machine()
        m.setBuddies([BuddyContact(username: Machine.alice, publicKey: Machine.aliceKey, peerID: .offline, endpoint: try Endpoint("198.51.100.9:4000"))])
        _ = m.aliceArrives(from: "203.0.113.5") // authenticates once from here
        for source in 0..<300 {
            let link = m.accept(from: "10.1.\(source / 256).\(source % 256)")!
            _ = m.admitsHandshake(link)
            m.run { $0.closed(link, graceful: false, reason: "handshake failed", now: $1) }
        }
        let stranger = m.accept(from: "10.2.0.1")!
        let strangerAdmitted = m.admitsHandshake(stranger)
        #expect(!strangerAdmitted, "the overall bucket is empty")
        for source in ["203.0.113.5", "198.51.100.9"] {
            let link = m.accept(from: source)!
            let admitted = m.admitsHandshake(link)
            #expect(admitted, "\(source)")
        }
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
        #expect(SourceAddress.of(try .init(ipAddress: "192.0.2.1", port: 5)) == "192.0.2.1")
        let one = SourceAddress.of(try .init(ipAddress: "2001:db8:1:2::1", port: 5))
        #expect(one == "2001:db8:1:2::/64")
        #expect(SourceAddress.of(try .init(ipAddress: "2001:db8:1:2:ffff::9", port: 5)) == one)
        #expect(SourceAddress.of(try .init(ipAddress: "2001:db8:1:3::1", port: 5)) != one)
        #expect(SourceAddress.of(ip: "2001:db8:1:2::77") == one, "a buddy's endpoint host is compared as its source")
        #expect(SourceAddress.of(ip: "::ffff:192.0.2.1") == "192.0.2.1")
    }
}
