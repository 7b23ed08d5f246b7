import JuiceCore
@testable import JuicePeer
import Testing

/// The relay fallback and the upgrade back to a direct path (docs/reachability.md 5): a buddy's
/// relayed addresses are dialled only when no direct dial made a session within the relay delay
/// (or all failed sooner); a relayed session tries the direct addresses again every upgrade
/// interval, and a direct session replaces it without losing a message.
@Suite struct SessionRelayTests {
    static let direct = Candidate(kind: .srflx, address: try! Endpoint("203.0.113.1:7000"))
    static let relay = Candidate(kind: .relay, address: try! Endpoint("203.0.113.10:50000"))

    func alice(_ candidates: [Candidate] = [direct, relay]) -> BuddyContact {
        var alice = Machine.alice()
        alice.candidates = candidates
        return alice
    }

    func targets(_ actions: [SessionAction]) -> [Candidate] {
        actions.compactMap { if case .dial(_, let dial) = $0 { dial.target } else { nil } }
    }

    @Test func theRelayIsDialledOnlyAfterTheDirectDialsHadTheirTime() {
        var m = Machine()
        let first = m.setBuddies([alice()])
        #expect(targets(first).map(\.kind) == [.host, .srflx], "direct addresses at once, no relay")
        #expect(targets(m.advance(.milliseconds(1900))).isEmpty)
        let late = m.advance(.milliseconds(200))
        #expect(targets(late) == [Self.relay], "the relay at 2 s")
    }

    @Test func aDirectSessionWithinTheDelayMeansNoRelayDial() {
        var m = Machine()
        let links = dials(m.setBuddies([alice()]))
        m.dialCompletes(links[1])
        #expect(targets(m.advance(.seconds(5))).isEmpty)
        #expect(m.sessions.path(of: Machine.alice) == .punched)
        #expect(m.reports.filter(\.isOnline).count == 1)
    }

    @Test func whenEveryDirectDialFailsTheRelayIsDialledAtOnce() {
        var m = Machine()
        let links = dials(m.setBuddies([alice()]))
        m.run { $0.dialFailed(links[0], reason: "connection refused", now: $1) }
        #expect(m.sessions.retries.isEmpty)
        let actions = m.run { $0.dialFailed(links[1], reason: "connection refused", now: $1) }
        #expect(targets(actions) == [Self.relay])
        #expect(m.sessions.retries.isEmpty, "no redial while the relay dial is under way")
    }

    @Test func aBuddyWithOnlyARelayIsDialledThereAtOnce() {
        var m = Machine()
        var onlyRelay = alice([Self.relay])
        onlyRelay.endpoint = nil
        #expect(targets(m.setBuddies([onlyRelay])) == [Self.relay])
    }

    @Test func aRelayedSessionMovesToADirectPathWhenOneCompletesAndLosesNoMessage() throws {
        // Keepalives slower than the upgrade, since nobody answers pings here.
        var m = Machine(settings: SessionSettings(keepalive: KeepaliveSettings(interval: .seconds(100), timeout: .seconds(200))))
        let links = dials(m.setBuddies([alice()]))
        m.run { $0.dialFailed(links[0], reason: "connection refused", now: $1) }
        let failed = m.run { $0.dialFailed(links[1], reason: "connection refused", now: $1) }
        let relayLink = try #require(dials(failed).first)
        m.dialCompletes(relayLink)
        #expect(m.sessions.path(of: Machine.alice) == .relayed)
        let id = MessageID.random()
        _ = try m.run { sessions, _ in try sessions.send(text: "through the relay", id: id, to: Machine.alice) }

        #expect(targets(m.advance(.seconds(29))).isEmpty)
        let retry = m.advance(.seconds(1))
        #expect(targets(retry).map(\.kind) == [.host, .srflx], "the direct addresses again, no relay")
        let punched = try #require(dials(retry).last)
        let actions = m.dialCompletes(punched)
        #expect(closes(actions)[relayLink] != nil || m.sessions.links[relayLink] != nil, "the relayed link is left")
        #expect(m.sessions.path(of: Machine.alice) == .punched)
        #expect(sends(actions, on: punched).contains { if case .chat(_, let text) = $0 { text == "through the relay" } else { false } },
                "the unconfirmed message is sent again on the new path")
        #expect(m.reports.filter(\.isOnline).count == 1, "one online, no offline in between")
        #expect(!m.reports.contains { $0.isOffline })
        #expect(targets(m.advance(.seconds(31))).isEmpty, "no more upgrades once direct")
    }

    @Test func aRelayedSessionNeverReplacesADirectOne() throws {
        var m = Machine()
        let links = dials(m.setBuddies([alice()]))
        m.dialCompletes(links[0])
        #expect(m.sessions.path(of: Machine.alice) == .direct)
        let accepted = m.sessions.accept(from: "203.0.113.10", path: .relayed, now: m.now)
        let (id, _) = try #require(accepted)
        let actions = m.run { $0.established(id, remoteStatic: Machine.aliceKey, remotePeerID: Machine.alicePeer, presence: Machine.presence, timestamp: 9_999, now: $1) }
        #expect(closes(actions)[id] != nil || m.sessions.activeLink(Machine.alice) == links[0])
        #expect(m.sessions.path(of: Machine.alice) == .direct)
    }

    /// A message to a buddy the server says is online, whom no path reached yet, is refused with
    /// "no route" (not "offline"); once a session with that login was had and lost, "offline".
    @Test func noPathYetIsNoRouteAndALostSessionIsOffline() throws {
        var m = Machine()
        let links = dials(m.setBuddies([alice([Self.direct])]))
        for link in links { m.run { $0.dialFailed(link, reason: "connection refused", now: $1) } }
        #expect(throws: InvalidValue("no route to alice yet: no direct or relayed path answered; still trying")) {
            _ = try m.sessions.send(text: "hi", id: .random(), to: Machine.alice)
        }
        let retry = dials(m.advance(.milliseconds(500)))
        m.dialCompletes(try #require(retry.first))
        m.run { $0.closed(retry[0], graceful: false, reason: "connection reset", now: $1) }
        #expect(throws: InvalidValue("alice is offline")) {
            _ = try m.sessions.send(text: "hi", id: .random(), to: Machine.alice)
        }
        // The session machine refuses it; the client leaves it on the server instead (protocol 5).
        guard case .offline(let key) = m.sessions.route(to: Machine.alice) else { Issue.record("not routed to the mailbox"); return }
        #expect(key == m.sessions.trustedKey(of: Machine.alice))
    }
}
