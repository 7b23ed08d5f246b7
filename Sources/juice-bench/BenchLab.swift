import Foundation
import JuiceTestSupport

/// The NAT lab (``NetLab``, the same one the end-to-end tests use) as the benchmarks use it:
/// home 3 behind a symmetric NAT, `juiced` and `juice` from the benchmark's build, and
/// benchmark errors instead of expectations. Needs root.
struct BenchLab {
    let lab: NetLab
    let context: BenchContext

    var relay: ManagedProcess { lab.relay }

    /// Whether the lab can run: as root (Ops/bench runs as root here and in CI).
    static var available: Bool { getuid() == 0 }

    /// Builds a lab (home 3 symmetric) on a fresh database, runs `body`, and always takes the lab down.
    static func with<T>(_ context: BenchContext, _ body: (BenchLab) async throws -> T) async throws -> T {
        let lab = try await NetLab.up(
            prefix: "b", symmetricHome3: true, database: try await context.freshDatabase("lab"), juiced: context.juiced, juicedOptions: ["--log-level", "notice"]
        )
        do {
            let value = try await body(BenchLab(lab: lab, context: context))
            await lab.down()
            return value
        } catch {
            await lab.down()
            throw error
        }
    }

    private func juice(_ node: String, _ arguments: [String], user: String) async throws {
        let result = try await lab.run(node, context.juice, arguments + lab.clientArguments(), stdin: "\(BenchContext.password)\n", environment: lab.clientEnvironment(user))
        guard result.status == 0 else { throw BenchError("juice \(arguments.prefix(2).joined(separator: " ")) (\(user)) failed: \(result.error)") }
    }

    /// Registers every user, and makes `hub` a buddy of each of the others.
    func setUp(users: [(name: String, node: String)], hub: String) async throws {
        for user in users { try await juice(user.node, ["register", user.name, "--password-stdin"], user: user.name) }
        let hubNode = users.first { $0.name == hub }!.node
        for user in users where user.name != hub {
            try await juice(hubNode, ["buddy", "add", user.name, "--user", hub, "--password-stdin"], user: hub)
            try await juice(user.node, ["buddy", "accept", hub, "--user", user.name, "--password-stdin"], user: user.name)
        }
    }

    /// `juice login USER --json` in `node`, listening on its LAN address, port 7000.
    func login(_ user: String, in node: String) throws -> ManagedProcess {
        let process = try lab.start(node, context.juice, ["login", user, "--json", "--password-stdin", "--no-camera", "--no-mic",
                                                         "--listen", "\(NetLab.address(node)):7000"] + lab.clientArguments(),
                                    environment: lab.clientEnvironment(user))
        process.send(BenchContext.password)
        return process
    }

    /// Ends a `juice login` (EOF on its input logs out) and waits for it, bounded.
    static func logOut(_ client: ManagedProcess) async throws {
        client.closeInput()
        guard await client.waitForExit(timeout: .seconds(20)) == 0 else {
            client.kill()
            throw BenchError("juice login did not log out cleanly: \(client.errorOutput.suffix(500))")
        }
    }

    /// CPU time (user + system) of a process so far, in seconds, from /proc/PID/stat.
    static func cpuSeconds(pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return .nan }
        // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// Where a client's `--json` events are read from: an index into its output, moved past each
/// event found, so a wait never scans (or parses) a line twice and never matches an old event.
final class EventCursor {
    let process: ManagedProcess
    private(set) var next: Int

    init(_ process: ManagedProcess, fromNow: Bool = true) {
        self.process = process
        next = fromNow ? process.lineCount : 0
    }

    /// Skips everything printed so far.
    func skipToEnd() { next = process.lineCount }

    /// Waits (bounded) for an event line of `type` that satisfies `predicate`; returns the parsed
    /// event and the moment its line was read. Lines are only parsed once their prefix matches.
    func wait(_ type: String, timeout: Duration = .seconds(30), where predicate: ([String: Any]) -> Bool = { _ in true }) async throws -> ([String: Any], ContinuousClock.Instant) {
        let deadline = ContinuousClock.now + timeout
        let marker = #""event":"\#(type)""#
        while true {
            for (offset, entry) in process.lines(from: next).enumerated() where entry.line.hasPrefix("{" + marker) || entry.line.contains(marker) {
                let object = (try? JSONSerialization.jsonObject(with: Data(entry.line.utf8))) as? [String: Any] ?? [:]
                if object["event"] as? String == type && predicate(object) {
                    next += offset + 1
                    return (object, entry.at)
                }
            }
            guard ContinuousClock.now < deadline else {
                throw BenchError("no \(type) event within \(timeout): \(process.output.suffix(5).map { $0.prefix(300) }) \(process.errorOutput.suffix(500))")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Waits (bounded) until `count` more lines beginning with `prefix` have arrived; returns the
    /// moment the last one was read. Nothing is parsed (for bursts of large messages).
    func count(prefix: String, _ count: Int, timeout: Duration) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + timeout
        var seen = 0
        while true {
            for entry in process.lines(from: next) {
                next += 1
                if entry.line.hasPrefix(prefix) {
                    seen += 1
                    if seen == count { return entry.at }
                } else if entry.line.hasPrefix(#"{"event":"error""#) {
                    throw BenchError("error while counting \(prefix): \(entry.line.prefix(300))")
                }
            }
            guard ContinuousClock.now < deadline else { throw BenchError("only \(seen) of \(count) \(prefix) lines within \(timeout)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
