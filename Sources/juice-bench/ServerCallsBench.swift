import Foundation
import JuiceTestSupport

/// Figure 1: server calls per session, counted by juiced's own Prometheus counters while real
/// `juice login` processes go online, renew and go offline.
enum ServerCallsBench {
    static func run(_ context: BenchContext, report: Report) async throws {
        let lease = 2, watch = context.quick ? 5 : 12
        try await context.withServer("calls", extra: ["--lease-seconds", String(lease)]) { _, url in
            try await measure(context, url: url, lease: lease, watch: watch, report: report)
        }
    }

    private static func measure(_ context: BenchContext, url: String, lease: Int, watch: Int, report: Report) async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("juice-bench-calls-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        func juice(_ arguments: [String], _ stdin: String) async throws {
            let result = try await ManagedProcess.run(context.juice, arguments + ["--server", url], stdin: stdin, environment: ["JUICE_HOME": home])
            guard result.status == 0 else { throw BenchError("juice \(arguments[0]) failed: \(result.error)") }
        }
        try await juice(["register", "alice", "--password-stdin"], "\(BenchContext.password)\n")
        try await juice(["register", "bob", "--password-stdin"], "\(BenchContext.password)\n")
        try await juice(["buddy", "add", "bob", "--user", "alice", "--password-stdin"], "\(BenchContext.password)\n")
        try await juice(["buddy", "accept", "alice", "--user", "bob", "--password-stdin"], "\(BenchContext.password)\n")
        let bob = try ManagedProcess(context.juice, ["login", "bob", "--json", "--password-stdin", "--server", url], environment: ["JUICE_HOME": home])
        bob.send(BenchContext.password)
        guard await bob.waitForLine(where: { $0.contains(#""event":"ready""#) }) != nil else { throw BenchError("bob did not log in") }

        let before = try await context.requestCount(url)
        let alice = try ManagedProcess(context.juice, ["login", "alice", "--json", "--password-stdin", "--server", url], environment: ["JUICE_HOME": home])
        alice.send(BenchContext.password)
        guard await alice.waitForLine(where: { $0.contains(#""event":"online""#) }) != nil else { throw BenchError("alice never saw bob") }
        let renewStart = try await context.requestCount(url) // alice is online: the end of going online
        let online = renewStart - before
        try await Task.sleep(for: .seconds(watch))
        let beforeLogout = try await context.requestCount(url) // the end of the watch
        let renewals = Double(beforeLogout - renewStart) / 2 // both clients renew
        alice.closeInput()
        _ = await alice.waitForExit()
        let offline = try await context.requestCount(url) - beforeLogout
        bob.closeInput()
        _ = await bob.waitForExit()

        let perLease = renewals / Double(watch) * Double(lease)
        let defaultLease = 3600.0
        let perHour = perLease * 3600 / defaultLease
        report.add(Section(title: "1. Server calls per session", figures: [
            Figure(name: "going online (login, dial, handshake)", value: Double(online), unit: "calls", target: "1", met: online == 1),
            Figure(name: "going offline (goodbyes, logout)", value: Double(offline), unit: "calls", target: "1", met: offline == 1),
            Figure(name: "renewals per lease (measured)", value: perLease, unit: "calls"),
            Figure(name: "renewals per hour at the default 3600 s lease", value: perHour, unit: "calls", target: "≤ 2", met: perHour <= 2.05),
        ], method: """
            Real `juice login --json` processes against a release `juiced`; calls are juiced's own \
            `juiced_requests_total` counters. Going online is counted from alice's start until she \
            reports bob online over the direct session; offline from EOF on her input until she exits. \
            Renewals were watched for \(watch) s with a \(lease) s lease (clients renew at half the \
            lease) and scaled to the default lease.
            """))
    }
}
