import Foundation
import JuiceTestSupport

/// Online logins for random users from `wrk`, a load generator written in C like pgbench, so the
/// two baselines pay the same small client cost. A Lua script picks a user per request and
/// reports the run's figures on one line.
enum LoginLoad {
    /// One run: logins per second and its latency percentiles in seconds.
    struct Run {
        let rate: Double
        let p50: Double
        let p99: Double
    }

    static let wrk = URL(fileURLWithPath: "/usr/bin/wrk")

    /// `connections` keep-alive clients on `threads` threads against each URL for `seconds`; with
    /// several URLs the clients are split evenly and the rates add up.
    /// `body` is the request body with `%d` for `offset + step × n`, n a random number from 1 to
    /// `users` (by default simply 1 to `users`).
    static func run(
        urls: [String], users: Int, connections: Int, seconds: Int, body: String = Population.loginBody("%d"), offset: Int = 0, step: Int = 1
    ) async throws -> Run {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("juice-login-\(UInt32.random(in: 0...UInt32.max)).lua")
        defer { try? FileManager.default.removeItem(at: script) }
        try luaScript.write(to: script, atomically: true, encoding: .utf8)
        let each = connections / urls.count
        let runs = try await withThrowingTaskGroup(of: Run.self) { group in
            for url in urls {
                group.addTask {
                    let result = try await ManagedProcess.run(
                        wrk,
                        ["-t", String(min(2, each)), "-c", String(each), "-d", "\(seconds)s", "-s", script.path, url, "--", String(users), body, String(offset), String(step)],
                        timeout: .seconds(seconds + 30)
                    )
                    guard result.status == 0 else { throw BenchError("wrk failed: \(result.error)") }
                    return try parse(result.output)
                }
            }
            return try await group.reduce(into: [Run]()) { $0.append($1) }
        }
        return Run(rate: runs.map(\.rate).reduce(0, +), p50: runs.map(\.p50).max() ?? .nan, p99: runs.map(\.p99).max() ?? .nan)
    }

    /// Reads the `juice-wrk` line the script's `done` prints.
    static func parse(_ output: String) throws -> Run {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("juice-wrk ") }) else {
            throw BenchError("wrk printed no summary: \(output)")
        }
        var fields: [String: Double] = [:]
        for pair in line.split(separator: " ").dropFirst() {
            let parts = pair.split(separator: "=")
            if parts.count == 2, let value = Double(parts[1]) { fields[String(parts[0])] = value }
        }
        guard let requests = fields["requests"], let duration = fields["duration_us"], let p50 = fields["p50_us"],
              let p99 = fields["p99_us"], let errors = fields["errors"], duration > 0 else {
            throw BenchError("unreadable wrk summary: \(line)")
        }
        guard errors == 0 else { throw BenchError("\(Int(errors)) logins failed or were refused under load: \(line)") }
        return Run(rate: requests / (duration / 1e6), p50: p50 / 1e6, p99: p99 / 1e6)
    }

    /// Arguments: the number of users, the body with `%d` for the user's number, then the offset
    /// and step of the numbers.
    static let luaScript = """
        local counter = 1
        function setup(thread) thread:set("seed", counter); counter = counter + 1 end
        function init(args)
          users = tonumber(args[1]); template = args[2]; offset = tonumber(args[3] or "0"); step = tonumber(args[4] or "1")
          math.randomseed(os.time() * 1000 + seed)
        end
        function request()
          return wrk.format("POST", "/v1/sessions", {["Content-Type"] = "application/json"}, string.format(template, offset + step * math.random(1, users)))
        end
        """ + summaryFunction

    /// The `done` function that prints the line ``parse(_:)`` reads (after a line break, to
    /// follow another script).
    static let summaryFunction = """

        function done(summary, latency, requests)
          local e = summary.errors
          io.write(string.format("juice-wrk requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d\\n",
            summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
            e.connect + e.read + e.write + e.timeout + e.status))
        end
        """
}
