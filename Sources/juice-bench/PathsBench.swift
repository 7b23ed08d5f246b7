import Foundation
import JuiceTestSupport

/// Figure 8 (issue 10): from a buddy's login reply to the first chat message delivered, per path
/// type, in the NAT lab with real processes.
enum PathsBench {
    static let users = [("alice", "home1"), ("dave", "neighbour1"), ("bob", "home2"), ("carol", "home3")]
    static let pairs = [("direct", "dave", "neighbour1"), ("punched", "bob", "home2"), ("relayed", "carol", "home3")]

    static func run(_ context: BenchContext, report: Report) async throws {
        let title = "8. Reachability: login to first message, per path"
        guard BenchLab.available else {
            report.add(Section(title: title, method: "Skipped: the NAT lab needs root (Ops/bench runs as root here and in CI)."))
            return
        }
        let rounds = context.quick ? 2 : 20
        var toMessage: [String: Samples] = [:], toOnline: [String: Samples] = [:], sendToMessage: [String: Samples] = [:]
        try await BenchLab.with(context) { lab in
            try await lab.setUp(users: users.map { ($0.0, $0.1) }, hub: "alice")
            let alice = try lab.login("alice", in: "home1")
            let atAlice = EventCursor(alice, fromNow: false)
            _ = try await atAlice.wait("ready")
            defer { alice.closeInput() }
            for round in 0..<rounds {
                // Paths interleaved round by round, so a noisy minute touches each alike.
                for (path, name, node) in pairs {
                    atAlice.skipToEnd()
                    let client = try lab.login(name, in: node)
                    let events = EventCursor(client, fromNow: false)
                    let (_, ready) = try await events.wait("ready")
                    let (online, onlineAt) = try await events.wait("online", timeout: .seconds(30)) { $0["username"] as? String == "alice" }
                    guard online["path"] as? String == path else {
                        throw BenchError("\(name) reached alice over \(online["path"] ?? "?"), expected \(path)")
                    }
                    let text = "first \(path) \(round)"
                    let sent = ContinuousClock.now
                    client.send("/msg alice \(text)")
                    let (_, delivered) = try await atAlice.wait("message", timeout: .seconds(30)) { $0["text"] as? String == text }
                    // The benchmark's own reaction (noticing `online`, then writing the command) is
                    // left out: login reply → session, plus send → delivery.
                    toMessage[path, default: Samples()].add((onlineAt - ready) + (delivered - sent))
                    toOnline[path, default: Samples()].add(onlineAt - ready)
                    sendToMessage[path, default: Samples()].add(delivered - sent)
                    try await BenchLab.logOut(client)
                    // alice must have seen the goodbye before the next login is introduced.
                    _ = try await atAlice.wait("offline", timeout: .seconds(30)) { $0["username"] as? String == name }
                }
            }
            try await BenchLab.logOut(alice)
        }
        var figures: [Figure] = []
        for (path, _, _) in pairs {
            let samples = toMessage[path]!
            figures += [
                Figure(name: "\(path): login reply to first message, p50", value: samples.p50 * 1000, unit: "ms"),
                Figure(name: "\(path): login reply to first message, p99", value: samples.p99 * 1000, unit: "ms"),
                Figure(name: "\(path): of which login reply to session (online), p50", value: toOnline[path]!.p50 * 1000, unit: "ms"),
                Figure(name: "\(path): of which send to delivery, p50", value: sendToMessage[path]!.p50 * 1000, unit: "ms"),
            ]
        }
        let direct = toMessage["direct"]!.p50
        figures += [
            Figure(name: "punched p50 / direct p50", value: toMessage["punched"]!.p50 / direct, unit: "×"),
            Figure(name: "relayed p50 / direct p50", value: toMessage["relayed"]!.p50 / direct, unit: "×"),
        ]
        report.add(Section(title: title, figures: figures, method: """
            The NAT lab of docs/reachability.md 8 (`Ops/netlab`, home 3 behind a symmetric NAT): a release \
            `juiced` with TLS and coturn on the lab's internet, real `juice login --json` processes in \
            the homes. alice (home1) stays online; \(rounds) rounds, each logging in, in turn, dave \
            (neighbour1, same LAN: `direct`), bob (home2, two cone NATs: `punched`) and carol (home3, \
            symmetric NAT: `relayed` through coturn). The clock starts when the buddy's `ready` event \
            (its login reply, which also introduces it to alice over her rendezvous stream) is read from \
            its output, and stops when alice's `message` event is read; the buddy sends `/msg alice …` as \
            soon as it reports alice `online` (a message to a buddy with no session yet is refused), and \
            the benchmark's own reaction between the two (noticing `online` by polling, writing the \
            command) is left out: the figure is login reply → `online` plus `/msg` written → `message`. \
            Times are when the benchmark read each line from the clients' pipes. Every session's `path` \
            is checked. The buddy then logs out (EOF) and alice's `offline` is awaited before the next \
            login. The baseline is the direct path in the same run.
            """))
    }
}
