import Foundation
import JuiceTestSupport

/// Figure 9 (issue 10): one session's throughput with 64 KiB messages through the relay against
/// a direct session in the same lab and run, and coturn's CPU per MB relayed.
enum RelayBench {
    static func run(_ context: BenchContext, report: Report) async throws {
        let title = "9. Relayed chat: throughput and relay CPU"
        guard BenchLab.available else {
            report.add(Section(title: title, method: "Skipped: the NAT lab needs root (Ops/bench runs as root here and in CI)."))
            return
        }
        let count = context.quick ? 4 : 1_000
        let size = 65_536
        var direct: [Double] = [], relayed: [Double] = [], cpuPerMB: [Double] = [], idleCPU: [Double] = []
        try await BenchLab.with(context) { lab in
            try await lab.setUp(users: [("alice", "home1"), ("dave", "neighbour1"), ("carol", "home3")], hub: "alice")
            let alice = try lab.login("alice", in: "home1")
            let atAlice = EventCursor(alice, fromNow: false)
            _ = try await atAlice.wait("ready")
            var senders: [String: ManagedProcess] = [:]
            for (name, node, path) in [("dave", "neighbour1", "direct"), ("carol", "home3", "relayed")] {
                let client = try lab.login(name, in: node)
                let (online, _) = try await EventCursor(client, fromNow: false).wait("online", timeout: .seconds(30)) { $0["username"] as? String == "alice" }
                guard online["path"] as? String == path else { throw BenchError("\(name) reached alice over \(online["path"] ?? "?"), expected \(path)") }
                senders[name] = client
            }
            let text = String(repeating: "j", count: size)
            let relayPID = lab.relay.pid
            let comm = (try? String(contentsOfFile: "/proc/\(relayPID)/comm", encoding: .utf8)) ?? ""
            guard comm.hasPrefix("turnserver") else { throw BenchError("pid \(relayPID) is \(comm), not coturn") }
            for _ in 0..<context.runs {
                for name in ["dave", "carol"] {
                    let sender = senders[name]!
                    let senderEvents = EventCursor(sender)
                    atAlice.skipToEnd()
                    // coturn's CPU while nothing is sent, over as long as the burst takes: its idle cost.
                    let cpuBefore = BenchLab.cpuSeconds(pid: relayPID)
                    let start = ContinuousClock.now
                    // Writes on a thread of their own: a full pipe blocks the writer, not the runtime.
                    let line = "/msg alice \(text)"
                    Thread.detachNewThread { for _ in 0..<count { sender.send(line) } }
                    let last = try await atAlice.count(prefix: #"{"event":"message","from":"\#(name)""#, count, timeout: .seconds(context.quick ? 60 : 300))
                    let seconds = (last - start).seconds
                    let megabytes = Double(count * size) / 1e6
                    // Every receipt back before the next burst (or the CPU reading), so bursts do not overlap.
                    _ = try await senderEvents.count(prefix: #"{"event":"delivered""#, count, timeout: .seconds(60))
                    let cpu = BenchLab.cpuSeconds(pid: relayPID) - cpuBefore
                    if name == "carol" {
                        relayed.append(megabytes / seconds)
                        cpuPerMB.append(cpu / megabytes * 1000)
                    } else {
                        direct.append(megabytes / seconds)
                        idleCPU.append(cpu / megabytes * 1000)
                    }
                }
            }
            for client in senders.values { try await BenchLab.logOut(client) }
            try await BenchLab.logOut(alice)
        }
        let ratio = median(relayed) / median(direct)
        report.add(Section(title: title, figures: [
            Figure(name: "direct, 64 KiB messages", value: median(direct), unit: "MB/s"),
            Figure(name: "relayed, 64 KiB messages", value: median(relayed), unit: "MB/s"),
            Figure(name: "relayed / direct", value: ratio * 100, unit: "%"),
            Figure(name: "coturn CPU per MB relayed", value: median(cpuPerMB), unit: "ms/MB"),
            Figure(name: "coturn CPU per MB during the direct bursts (its idle cost)", value: median(idleCPU), unit: "ms/MB"),
        ], method: """
            The NAT lab (figure 8's set-up): alice (home1) is online with dave (neighbour1, `direct` \
            over the LAN) and carol (home3 behind the symmetric NAT, `relayed` through coturn 4.6 on the \
            lab's internet); every path checked. Each run sends \(count) messages of 64 KiB (\(size) \
            bytes of text) from dave, then from carol, to alice: the lines are written to the \
            sender's `juice login --json` input back to back; the clock runs from the first write \
            until alice's \(count)th `message` event is read from her output, and every `delivered` \
            receipt is back before the next burst. Both paths pay the same client costs (reading the \
            command, the JSON event of 64 KiB at alice, pipes), so the ratio shows what the relay \
            path costs beside them, not the transport alone (figure 5 measures that on loopback). \
            Relay CPU: coturn's utime + stime from /proc/PID/stat before and after carol's burst \
            (receipts included), divided by the message text relayed (MB = 10⁶ bytes, one way); the \
            same reading over dave's burst, which coturn does not carry, shows its idle cost. Median \
            of \(context.runs) runs, bursts interleaved.
            """))
    }
}
