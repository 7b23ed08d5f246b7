import AsyncHTTPClient
import Foundation
import JuiceCore
import JuiceServer
import JuiceTestSupport
import NIOCore
import NIOHTTP1
import Postgres
import Sodium

/// Figures 2, 6 (server side) and 7: the login call under 50 concurrent clients on a small and a
/// large database, against pgbench running the login's SQL in the same run; juiced's memory; and
/// two juiced instances against one.
enum LoginBench {
    static let concurrency = 50

    static func run(_ context: BenchContext, report: Report) async throws {
        let sizes = context.quick ? [1_000, 5_000] : [10_000, 1_000_000]
        let seconds = context.quick ? 1 : 8
        var section = Section(title: "2. Going online (the login call)", method: "")
        var p99s: [Double] = []
        for users in sizes {
            let database = try await context.freshDatabase("login\(users)")
            defer { database.drop() }
            let populate = try await timed { try Population.create(try PostgresConnection(database.configuration), users: users) }
            FileHandle.standardError.write(Data("  populated \(users) users with 20 buddies each in \(String(format: "%.1f", populate.seconds)) s\n".utf8))
            let (server, url) = try await context.startServer(database: database)
            if users == sizes[0] { try await memory(context, server: server, url: url, users: users, report: report) }
            var runs: [LoginLoad.Run] = [], baseline: [Double] = []
            for _ in 0..<context.runs {
                runs.append(try await LoginLoad.run(urls: [url], users: users, connections: concurrency, seconds: seconds))
                baseline.append(try await pgbench(context, database: database, users: users, seconds: seconds))
            }
            if users == sizes[0] {
                try await scaleOut(context, database: database, firstURL: url, users: users, seconds: seconds, report: report)
            }
            await context.stopServer(server)
            let rate = median(runs.map(\.rate)), base = median(baseline), p99 = median(runs.map(\.p99))
            p99s.append(p99)
            section.figures += [
                Figure(name: "\(users) users: latency p50", value: median(runs.map(\.p50)) * 1000, unit: "ms"),
                Figure(name: "\(users) users: latency p99", value: p99 * 1000, unit: "ms"),
                Figure(name: "\(users) users: logins per second", value: rate, unit: "/s"),
                Figure(name: "\(users) users: pgbench, the same SQL", value: base, unit: "tx/s"),
                Figure(name: "\(users) users: ratio to pgbench", value: rate / base * 100, unit: "%", target: "≥ 50 %", met: rate / base >= 0.5),
            ]
        }
        section.figures.append(Figure(
            name: "p99 at \(sizes[1]) users / p99 at \(sizes[0])", value: p99s[1] / p99s[0], unit: "×", target: "≤ 1.5×", met: p99s[1] / p99s[0] <= 1.5
        ))
        let argon = try argon2id(context.quick ? 3 : 9)
        section.figures.append(Figure(name: "client-side Argon2id (INTERACTIVE), excluded above", value: argon * 1000, unit: "ms"))
        section.method = """
            Users made with `generate_series`, each with 20 accepted buddies. `wrk -t 2 -c \(concurrency) \
            -d \(seconds)s` (keep-alive; a Lua script picks a random user per request) sends online logins \
            to a release `juiced`; each login authenticates, replaces the session, assigns a peer ID, \
            publishes presence and returns the 20 buddies. Latencies are wrk's per-run percentiles, \
            median of runs. The baseline is `pgbench -M prepared -c \(concurrency) -j 2` running the \
            login's three statements (`AccountSQL.authCheckBegin`, which takes the username's throttle lock \
            and reads the account; `goOnline`, which also releases it and returns the buddy list; and, \
            once that committed, `announce`, which notifies the instances holding the rendezvous \
            streams of the user's buddies) against the same database, runs interleaved with wrk's. Both load generators \
            are C programs on the same 2 cores as PostgreSQL (and juiced). Client-side Argon2id is \
            measured alone (median of runs).
            """
        report.add(section)
    }

    /// pgbench running the login's SQL; returns transactions (logins) per second.
    static func pgbench(_ context: BenchContext, database: TestDatabase, users: Int, seconds: Int) async throws -> Double {
        // A fixed count per client (-t): pgbench's -T did not stop when run from this process.
        let transactionsPerClient = context.quick ? 20 : 400
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("juice-login-\(UInt32.random(in: 0...UInt32.max)).sql")
        defer { try? FileManager.default.removeItem(at: script) }
        try pgbenchScript(users: users).write(to: script, atomically: true, encoding: .utf8)
        let result = try await ManagedProcess.run(
            URL(fileURLWithPath: "/usr/bin/pgbench"),
            ["-n", "-M", "prepared", "-c", String(concurrency), "-j", "2", "-t", String(transactionsPerClient), "-f", script.path, database.name],
            timeout: .seconds(seconds + 60)
        )
        guard result.status == 0, let range = result.output.range(of: #"tps = [0-9.]+"#, options: .regularExpression),
              let tps = Double(result.output[range].dropFirst(6)) else {
            throw BenchError("pgbench failed: \(result.error) \(result.output)")
        }
        return tps
    }

    /// The statements one login runs, with pgbench variables for the parameters.
    static func pgbenchScript(users: Int) -> String {
        func substitute(_ sql: String, _ values: [String]) -> String {
            var sql = sql
            for (index, value) in values.enumerated().reversed() { sql = sql.replacingOccurrences(of: "$\(index + 1)", with: value) }
            return sql + ";\n"
        }
        return "\\set uid random(1, \(users))\n\\set peer random(1, 9007199254740991)\n"
            + substitute(AccountSQL.authCheckBegin.sql, ["('user' || :uid)", "'127.0.0.1'", "900"])
            + substitute(AccountSQL.goOnline.sql, [
                ":uid", "decode(md5(random()::text) || md5(random()::text), 'hex')", "3600", ":peer",
                "'127.0.0.1:4000'", "true", "false", "'online'", "''",
                "('user' || :uid)", "'127.0.0.1'", "false", "false", // a known address with no failures, as in steady state
                "NULL", // no rendezvous stream
                "''", // no candidates beyond the endpoint (the stored form, $15, is NOT NULL)
                "NULL", // no prekey set named ($16; left out, "$1" would have made it ":uid6")
            ])
            + substitute(AccountSQL.announce.sql, ["('{' || :uid || '}')", "0"]) // no instance of its own: all notified
    }

    /// Figure 6 (server): RSS idle, then with every user online.
    static func memory(_ context: BenchContext, server: ManagedProcess, url: String, users: Int, report: Report) async throws {
        try await Task.sleep(for: .milliseconds(500))
        let idle = BenchContext.residentMiB(pid: server.pid)
        let cursor = Locked(0) // hands out 1...users once each, across tasks
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while let n = cursor.withLock({ (value: inout Int) -> Int? in
                        guard value < users else { return nil }
                        value += 1
                        return value
                    }) {
                        var request = HTTPClientRequest(url: url + "/v1/sessions")
                        request.method = .POST
                        request.headers.add(name: "content-type", value: "application/json")
                        request.body = .bytes(ByteBuffer(string: Population.loginBody(String(n))))
                        let response = try await context.http.execute(request, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 20)
                    }
                }
            }
            try await group.waitForAll()
        }
        let online = BenchContext.residentMiB(pid: server.pid)
        report.add(Section(title: "6a. Memory: juiced", figures: [
            Figure(name: "juiced RSS, idle", value: idle, unit: "MiB"),
            Figure(name: "juiced RSS, \(users) users online", value: online, unit: "MiB"),
        ], method: "VmRSS of the release `juiced` just after start, then after every one of \(users) users logged in once (all online). Presence lives in PostgreSQL, so the service holds no per-user state."))
    }

    /// Figure 7: two juiced on one database against one.
    static func scaleOut(_ context: BenchContext, database: TestDatabase, firstURL: String, users: Int, seconds: Int, report: Report) async throws {
        let (second, secondURL) = try await context.startServer(database: database)
        var one: [Double] = [], two: [Double] = []
        for _ in 0..<context.runs {
            one.append(try await LoginLoad.run(urls: [firstURL], users: users, connections: concurrency, seconds: seconds).rate)
            two.append(try await LoginLoad.run(urls: [firstURL, secondURL], users: users, connections: concurrency, seconds: seconds).rate)
        }
        await context.stopServer(second)
        report.add(Section(title: "7. Scale-out", figures: [
            Figure(name: "one juiced", value: median(one), unit: "logins/s"),
            Figure(name: "two juiced on the same database", value: median(two), unit: "logins/s"),
            Figure(name: "ratio", value: median(two) / median(one), unit: "×"),
        ], method: """
            \(concurrency) wrk clients spread over one or two release `juiced` processes on the same \
            \(users)-user database, runs interleaved. All of juiced, PostgreSQL and the load generator \
            share this machine's \(ProcessInfo.processInfo.activeProcessorCount) cores, so a second \
            instance can only help when one instance leaves cores idle.
            """))
    }

    static func argon2id(_ runs: Int) throws -> Double {
        var values: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            _ = try AccountKeys.derive(password: SecretBytes(Array("correct horse".utf8)), username: Username("alice"), realm: .default)
            values.append((ContinuousClock.now - start).seconds)
        }
        return median(values)
    }
}
