import Foundation
import JuiceTestSupport
import Postgres

#if canImport(Glibc)
import Glibc
#endif

/// Figure 10 (issue 10): juiced's memory per held rendezvous stream, and the login rate while
/// 10,000 streams are open against a juiced without them, in interleaved rounds.
enum StreamsBench {
    static func run(_ context: BenchContext, report: Report) async throws {
        // JUICE_BENCH_STREAMS: another count, for diagnosis only (the figures' targets are at 10,000).
        let streams = ProcessInfo.processInfo.environment["JUICE_BENCH_STREAMS"].flatMap(Int.init) ?? (context.quick ? 50 : 10_000)
        // Stream holders are the users whose number is not a multiple of 10; the measured logins
        // are by the multiples of 10, so they never replace a held stream, and each has buddies
        // (the 20 ring neighbours of `Population`) holding streams to be told about the login.
        let users = context.quick ? 600 : max(12_000, streams * 6 / 5)
        let seconds = context.quick ? 1 : 4
        let rounds = context.quick ? 1 : 2 * context.runs
        // The baseline: the same database and juiced, with no stream open, measured in turns with
        // the one holding the streams, so both see the same machine (its speed drifts by more
        // than the difference measured here).
        let baseDatabase = try await context.freshDatabase("streams-base")
        defer { baseDatabase.drop() }
        let database = try await context.freshDatabase("streams")
        defer { database.drop() }
        try Population.create(try PostgresConnection(baseDatabase.configuration), users: users)
        try Population.create(try PostgresConnection(database.configuration), users: users)
        let extra = ["--max-connections", String(streams + 2_000)]
        let (base, baseURL) = try await context.startServer(database: baseDatabase, extra: extra)
        let (server, url) = try await context.startServer(database: database, extra: extra)
        let postgres = try ClusterCPU(database.configuration)
        let holders = StreamHolders()
        defer { holders.closeAll() }
        do {
            let template = Population.loginBody("%d0") // users 10, 20, …
            func logins(_ url: String) async throws -> Double {
                try await LoginLoad.run(urls: [url], users: users / 10, connections: LoginBench.concurrency, seconds: seconds, body: template).rate * Double(seconds)
            }
            // Warm both up alike (caches, pools, prepared statements); the idle reading follows.
            for _ in 0..<context.runs { _ = try await logins(baseURL); _ = try await logins(url) }
            try await Task.sleep(for: .seconds(1))
            let idle = BenchContext.residentMiB(pid: server.pid)
            let numbers = Array((1...users).lazy.filter { $0 % 10 != 0 }.prefix(streams))
            let opening = try await timed { try holders.open(port: try Self.port(of: url), users: numbers) }
            // The same users online on the baseline, by plain logins: a login there lists as many
            // online buddies, so the comparison is of the streams, not of online buddies.
            try holders.logInWithoutStreams(port: try Self.port(of: baseURL), users: numbers)
            // Each new stream is resynchronised once (its buddy list re-read, one stream at a
            // time on the rendezvous' own connection); opening thousands in seconds leaves a
            // backlog. Memory and logins are measured once juiced is quiet again.
            try await Task.sleep(for: .seconds(2))
            let settling = try await timed { try await Self.waitUntilQuiet(pid: server.pid) }
            let held = BenchContext.residentMiB(pid: server.pid)
            var without: [Double] = [], with: [Double] = [], ratios: [Double] = []
            var cpuWithout = LoginCPU(), cpuWith = LoginCPU()
            for round in 0..<rounds {
                // ABBA: the order alternates, so a drift within a round favours neither.
                let hook = round == 0 ? (Self.startHook(juiced: base.pid, phase: "without"), Self.startHook(juiced: server.pid, phase: "with")) : (nil, nil)
                var rates = (without: 0.0, with: 0.0)
                for withStreams in round % 2 == 0 ? [false, true] : [true, false] {
                    if withStreams {
                        rates.with = try await cpuWith.measure(juiced: server.pid, postgres: postgres) { try await logins(url) } / Double(seconds)
                    } else {
                        rates.without = try await cpuWithout.measure(juiced: base.pid, postgres: postgres) { try await logins(baseURL) } / Double(seconds)
                    }
                }
                without.append(rates.without)
                with.append(rates.with)
                ratios.append(rates.with / rates.without)
                _ = await hook.0?.waitForExit(timeout: .seconds(120))
                _ = await hook.1?.waitForExit(timeout: .seconds(120))
            }
            let after = BenchContext.residentMiB(pid: server.pid)
            let stillOpen = holders.countOpen()
            guard stillOpen == streams else { throw BenchError("only \(stillOpen) of \(streams) streams were still open after the logins") }
            holders.closeAll()
            await context.stopServer(server)
            await context.stopServer(base)
            let perStream = (held - idle) * 1024 / Double(streams)
            let ratio = median(ratios)
            report.add(Section(title: "10. Rendezvous streams held by juiced", figures: [
                Figure(name: "juiced RSS, no stream (after the warm-up logins)", value: idle, unit: "MiB"),
                Figure(name: "juiced RSS, \(streams) streams open", value: held, unit: "MiB"),
                Figure(name: "per stream", value: perStream, unit: "KiB", target: "≤ 16 KiB", met: perStream <= 16),
                Figure(name: "juiced RSS, \(streams) streams open, after the logins with them", value: after, unit: "MiB"),
                Figure(name: "opening \(streams) streams", value: Double(streams) / opening.seconds, unit: "streams/s"),
                Figure(name: "juiced quiet again after the last stream opened", value: 2 + settling.seconds, unit: "s"),
                Figure(name: "logins per second, no stream open", value: median(without), unit: "/s"),
                Figure(name: "logins per second, \(streams) streams open", value: median(with), unit: "/s"),
                Figure(name: "ratio (median of the rounds' ratios)", value: ratio * 100, unit: "%", target: "≥ 80 %", met: ratio >= 0.8),
                Figure(name: "lowest round's ratio", value: (ratios.min() ?? 0) * 100, unit: "%"),
                Figure(name: "highest round's ratio", value: (ratios.max() ?? 0) * 100, unit: "%"),
                Figure(name: "juiced CPU per login, no stream open", value: cpuWithout.juicedMicroseconds, unit: "µs"),
                Figure(name: "juiced CPU per login, \(streams) streams open", value: cpuWith.juicedMicroseconds, unit: "µs"),
                Figure(name: "PostgreSQL CPU per login, no stream open", value: cpuWithout.postgresMicroseconds, unit: "µs"),
                Figure(name: "PostgreSQL CPU per login, \(streams) streams open", value: cpuWith.postgresMicroseconds, unit: "µs"),
            ], method: """
                Two release `juiced` (`--max-connections \(streams + 2_000)`: the default 4,096 would refuse \
                the streams past it; this process and juiced each need about \(streams) descriptors, under \
                the `ulimit -n` of \(StreamHolders.descriptorLimit())), each on its own \(users)-user \
                database made with `generate_series` (20 accepted buddies each), in one PostgreSQL \
                server: one holds the streams, the other none (the baseline), where the same users are \
                online by plain JSON logins (a lease), so that a login lists as many online buddies on \
                both and the difference is the streams'. Streams: \(streams) \
                streamed logins (`POST /v1/sessions` with `Accept: application/jsonl`, plain sockets \
                from this process, 200 at a time), each kept open after its `login` line and never read \
                again (what juiced writes later waits in the kernel's socket buffers, not in juiced). \
                They hold no PostgreSQL connection: juiced keeps its pool of 8 and the rendezvous' own \
                two (PostgreSQL's `max_connections` is 300 here). Memory: VmRSS after \(context.runs) \
                warm-up login runs and 1 s of quiet, then with the streams open, divided by the count; \
                that reading and the logins wait, after the last stream opened, 2 s and then until juiced \
                used under 10 % of a core over a second (each new stream's resynchronisation done). \
                Logins: `wrk -c \(LoginBench.concurrency) -d \(seconds)s` online logins (JSON, \
                no stream) of random users among the \(users / 10) whose numbers are multiples of 10, so \
                none replaces a held stream and, on the juiced with streams, each login is announced to \
                the streams of its buddies (`presence_announce`, the second statement). \(rounds) rounds, \
                each one run on either juiced, in turns (ABBA), after \(context.runs) warm-up runs on \
                each: this machine's speed drifts by up to 2.5 times between minutes, so a baseline \
                measured minutes apart, before the streams opened, measured the drift. The ratio is the \
                median of the rounds' ratios. CPU per login: juiced's user + system time, and that of \
                every process of the PostgreSQL server, from /proc/PID/stat around each wrk run, summed \
                over the rounds and divided by the logins served (including the keepalives, heartbeats \
                and notifications that fell in those seconds).
                """))
        } catch {
            holders.closeAll()
            await context.stopServer(server)
            await context.stopServer(base)
            throw error
        }
    }
}

extension StreamsBench {
    /// The port of a juiced base URL (`http://127.0.0.1:PORT`).
    static func port(of url: String) throws -> UInt16 {
        guard let port = url.split(separator: ":").last.flatMap({ UInt16($0) }) else { throw BenchError("no port in \(url)") }
        return port
    }

    /// Returns once process `pid` used under 10 % of a core over a second, or after 120 s.
    static func waitUntilQuiet(pid: Int32) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        var before = BenchLab.cpuSeconds(pid: pid)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(1))
            let now = BenchLab.cpuSeconds(pid: pid)
            if now - before < 0.1 { return }
            before = now
        }
    }

    /// Starts JUICE_BENCH_STREAMS_HOOK, if set, for diagnosis (perf record, smaps,
    /// pg_stat_statements): a shell command run beside the first login run without streams and
    /// the first with them, with JUICED_PID and JUICE_PHASE (`without`, `with`) in its environment.
    static func startHook(juiced: Int32, phase: String) -> ManagedProcess? {
        guard let command = ProcessInfo.processInfo.environment["JUICE_BENCH_STREAMS_HOOK"] else { return nil }
        return try? ManagedProcess(URL(fileURLWithPath: "/bin/bash"), ["-c", command], environment: ["JUICED_PID": String(juiced), "JUICE_PHASE": phase])
    }
}

/// CPU seconds of juiced and PostgreSQL over login runs, and the logins served in them.
struct LoginCPU {
    var juiced = 0.0, postgres = 0.0, logins = 0.0

    var juicedMicroseconds: Double { juiced / logins * 1e6 }
    var postgresMicroseconds: Double { postgres / logins * 1e6 }

    /// Runs `load` (which returns how many logins it served) and adds its CPU times.
    mutating func measure(juiced pid: Int32, postgres cluster: ClusterCPU, _ load: () async throws -> Double) async throws -> Double {
        let (juicedBefore, postgresBefore) = (BenchLab.cpuSeconds(pid: pid), cluster.seconds())
        let served = try await load()
        juiced += BenchLab.cpuSeconds(pid: pid) - juicedBefore
        postgres += cluster.seconds() - postgresBefore
        logins += served
        return served
    }
}
