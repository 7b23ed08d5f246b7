import JuiceCore
@testable import JuicePeer
import Testing

/// A buddy with several addresses (their endpoint and candidates, docs/reachability.md §4):
/// every address is dialled at once, the first handshake wins, the other dials close, and the
/// attempt counts as failed only when the last of its dials has.
@Suite struct SessionCandidateTests {
    static let candidates = [
        Candidate(kind: .host, address: try! Endpoint("10.0.1.2:4000")), Candidate(kind: .srflx, address: try! Endpoint("203.0.113.1:4000")),
        Candidate(kind: .host, address: try! Endpoint("127.0.0.1:4000")),
    ]

    func aliceWithCandidates(_ candidates: [Candidate] = candidates) -> BuddyContact {
        var alice = Machine.alice()
        alice.candidates = candidates
        return alice
    }

    @Test func everyAddressIsDialledOnceAtOnce() throws {
        var m = Machine()
        let relay = Candidate(kind: .relay, address: try Endpoint("203.0.113.20:50000"))
        let actions = m.setBuddies([aliceWithCandidates(Self.candidates + [relay])])
        let targets = actions.compactMap { if case .dial(_, let dial) = $0 { dial.target.description } else { nil } }
        #expect(targets == ["host 127.0.0.1:4000", "host 10.0.1.2:4000", "srflx 203.0.113.1:4000"], "the endpoint first, each address once, the relay later (SessionRelayTests)")
        #expect(dials(m.setBuddies([aliceWithCandidates()])).isEmpty, "an attempt under way is not repeated")
    }

    @Test func atMostEightAddressesAreDialled() throws {
        var m = Machine()
        let many = try (1...20).map { Candidate(kind: .host, address: try Endpoint("10.0.0.\($0):4000")) }
        #expect(dials(m.setBuddies([aliceWithCandidates(many)])).count == BuddyContact.maxDialTargets)
    }

    @Test func theFirstHandshakeWinsAndTheOtherDialsClose() throws {
        var m = Machine()
        let links = dials(m.setBuddies([aliceWithCandidates()]))
        #expect(links.count == 3)
        m.run { $0.dialFailed(links[0], reason: "connection refused", now: $1) }
        #expect(m.sessions.retries.isEmpty, "two dials are still under way")
        let actions = m.dialCompletes(links[2])
        #expect(closes(actions)[links[1]] == "another address answered first")
        m.run { $0.closed(links[1], graceful: false, reason: "another address answered first", now: $1) }
        #expect(m.sessions.activeLink(Machine.alice) == links[2])
        #expect(m.reports.filter(\.isOnline).count == 1)
        #expect(!m.reports.contains { $0.isOffline })
        #expect(dials(m.advance(.seconds(5))).isEmpty)
    }

    @Test func anAttemptFailsWhenItsLastDialFailsAndTheRedialTriesEveryAddress() throws {
        var m = Machine()
        let links = dials(m.setBuddies([aliceWithCandidates()]))
        for link in links.dropLast() { m.run { $0.dialFailed(link, reason: "connection refused", now: $1) } }
        #expect(m.sessions.retries.isEmpty)
        m.run { $0.dialFailed(links.last!, reason: "connection refused", now: $1) }
        #expect(m.sessions.retries[Machine.alice] != nil)
        #expect(dials(m.advance(.milliseconds(500))).count == 3)
    }

    /// A buddy who publishes new candidates while our dials to their old ones still wait (a SYN
    /// into a silent NAT waits up to 5 s) gets dials to the new ones at once: their punch toward
    /// us has started, and ours must meet it.
    @Test func newCandidatesDuringAnAttemptAreDialledAtOnce() throws {
        var m = Machine()
        let first = dials(m.setBuddies([aliceWithCandidates([])]))
        #expect(first.count == 1)
        let srflx = Candidate(kind: .srflx, address: try Endpoint("203.0.113.1:4000"))
        let again = m.setBuddies([aliceWithCandidates([srflx])])
        let targets = again.compactMap { if case .dial(_, let dial) = $0 { dial.target } else { nil } }
        #expect(targets == [srflx], "only the new address")
        #expect(dials(m.setBuddies([aliceWithCandidates([srflx])])).isEmpty, "nothing twice")
    }

    /// A server that floods introductions with ever new candidates gets at most 32 connects to
    /// that buddy out of us per minute.
    @Test func dialsToOneBuddyAreCappedPerMinute() throws {
        var m = Machine()
        var dialled = 0
        for round in 0..<20 {
            let fresh = try (1...8).map { Candidate(kind: .srflx, address: try Endpoint("203.0.113.\(round + 1):\(4000 + $0)")) }
            dialled += dials(m.setBuddies([aliceWithCandidates(fresh)])).count
        }
        #expect(dialled == SessionSettings().maxDialsPerBuddyPerMinute)
        #expect(m.sessions.retries[Machine.alice]?.at != nil, "held back, not dropped: a redial waits for the cap")
        let later = try (1...8).map { Candidate(kind: .srflx, address: try Endpoint("198.51.100.1:\(5000 + $0)")) }
        m.run { $0.update(buddies: [(aliceWithCandidates(later), .trusted)], now: $1) }
        let redialled = dials(m.advance(.seconds(61)))
        #expect(!redialled.isEmpty, "a minute later, the held-back redial dials again")
    }

    /// However many buddies the server lists, at most 64 connects are under way at once.
    @Test func connectsUnderWayAreCappedInAll() throws {
        var m = Machine()
        let many = try (1...100).map { index in
            BuddyContact(username: try Username("buddy\(index)"), publicKey: [UInt8](repeating: UInt8(index), count: 32), peerID: PeerID(rawValue: Int64(1000 + index))!, endpoint: try Endpoint("203.0.113.\(index):4000"))
        }
        #expect(dials(m.setBuddies(many)).count == SessionSettings().maxConnecting)
    }
}
