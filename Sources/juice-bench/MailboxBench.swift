import AsyncHTTPClient
import Foundation
import JuiceServer
import JuiceTestSupport
import NIOCore
import NIOHTTP1
import Postgres
import Sodium

/// Figure 12 (issue 11): waiting messages at scale. How fast juiced stores messages for offline
/// buddies (against pgbench running the same SQL), how fast logins take 10 waiting messages and
/// acknowledge them (against logins with none waiting), and what 10 waiting messages do to a
/// login's latency. All on one population of users with 20 accepted buddies each.
///
/// The population is cut into five regions of user numbers, so that no phase disturbs another:
///   A  senders (every `spacing`-th user, logged in with command tokens) leaving messages through
///      juiced for their buddies n+1...n+10, who never log in (offline);
///   B  the same for pgbench (sessions made in SQL);
///   C  odd users with 10 waiting messages each (from their buddy n+1), logged in again and again
///      without acknowledging: "login with 10 waiting";
///   D  odd users with nothing waiting: "login with none";
///   E  odd users with 10 waiting messages each, each logged in once and acknowledging: "fetch".
enum MailboxBench {
    static let concurrency = 50
    /// wrk connections for the login-then-acknowledge cycles: one per wrk thread, since a wrk
    /// thread's Lua state is the only place a connection's login reply can be kept for its ack.
    static let cycleConnections = 16
    static let waiting = 10
    /// A sender's buddies n+1...n+10 receive; senders this far apart share no recipient.
    static let spacing = 50
    static let envelopeBytes = 200
    static let settings = MailboxSettings()

    static func run(_ context: BenchContext, report: Report) async throws {
        let users = context.quick ? 10_000 : 1_000_000
        let seconds = context.quick ? 1 : 8
        let region = users / 5
        let (a0, b0, c0, d0, e0) = (1, region + 1, 2 * region + 1, 3 * region + 1, 4 * region + 1)
        let senders = (region - 2 * spacing) / spacing // from n0 + 11, every `spacing`-th, all inside the region
        let loginWaiting = min(region / 2, 30_000) // region C recipients
        let fetchPerRun = min(region / 2 / context.runs, 30_000) // region E recipients per run
        let noneUsers = region / 2

        let database = try await context.freshDatabase("mailbox\(users)")
        defer { database.drop() }
        let db = try PostgresConnection(database.configuration)
        let populate = try await timed { try Population.create(db, users: users) }
        log("populated \(users) users with 20 buddies each in \(String(format: "%.1f", populate.seconds)) s")
        // Version 1, mode 0 (a mode-1 envelope must name a prekey its sender claimed, one claim per
        // message), then random bytes for EK; the ID; random bytes.
        var prefix = RandomBytes.bytes(34), suffix = RandomBytes.bytes(envelopeBytes - 34 - 16)
        (prefix[0], prefix[1]) = (1, 0)
        let prepare = try await timed {
            try prepareMessages(db, first: c0, count: loginWaiting, prefix: prefix, suffix: suffix)
            try prepareMessages(db, first: e0, count: fetchPerRun * context.runs, prefix: prefix, suffix: suffix)
            // pgbench's senders: sessions made here, token hash sha256('juice-bench-tok' || id).
            try db.query("""
                INSERT INTO sessions (token_hash, account_id, online, expires_at)
                SELECT sha256(('juice-bench-tok' || g)::bytea), g, false, now() + interval '2 hours'
                FROM generate_series(0, $1::int - 1) i, LATERAL (SELECT $2::bigint + 11 + i * $3::bigint AS g) s
                """, [senders, b0, spacing])
            try db.executeScript("VACUUM ANALYZE mailbox")
            try db.executeScript("VACUUM ANALYZE sessions")
        }
        log("prepared \(waiting) waiting messages for \(loginWaiting + fetchPerRun * context.runs) users in \(String(format: "%.1f", prepare.seconds)) s")

        let (server, url) = try await context.startServer(database: database)
        var results = Results()
        do {
            let tokens = try await commandTokens(context, url: url, users: (0..<senders).map { a0 + 11 + $0 * spacing })
            let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("juice-mailbox-\(UInt32.random(in: 0...UInt32.max)).txt")
            defer { try? FileManager.default.removeItem(at: tokenFile) }
            try tokens.map { "\($0.token) \($0.user)" }.joined(separator: "\n").appending("\n").write(to: tokenFile, atomically: true, encoding: .utf8)
            for run in 0..<context.runs {
                results.store.append(try await storeLoad(url: url, tokenFile: tokenFile, prefix: prefix, suffix: suffix, seconds: seconds))
                results.storeBase.append(try await pgbench(context, database: database, senders: senders, first: b0 + 11, prefix: prefix, suffix: suffix))
                // Logins alone, alternating which goes first: 10 waiting (never acknowledged, so
                // they are there at every login) and none.
                let ten = { try await LoginLoad.run(urls: [url], users: loginWaiting, connections: concurrency, seconds: seconds, offset: c0 - 2, step: 2) }
                let none = { try await LoginLoad.run(urls: [url], users: noneUsers, connections: concurrency, seconds: seconds, offset: d0 - 2, step: 2) }
                if run % 2 == 0 {
                    results.withMail.append(try await ten()); results.withoutMail.append(try await none())
                } else {
                    results.withoutMail.append(try await none()); results.withMail.append(try await ten())
                }
                // Login and acknowledgement, each recipient once; and the same driver on users with none.
                let cycle = try await cycles(url: url, first: e0 + 2 * run * fetchPerRun, count: fetchPerRun, sequential: true, expect: waiting, seconds: seconds)
                if cycle.exhausted > 0, !context.quick {
                    throw BenchError("the fetch run used up its \(fetchPerRun) prepared recipients; prepare more")
                }
                results.fetch.append(cycle)
                results.fetchNone.append(try await cycles(url: url, first: d0, count: noneUsers, sequential: false, expect: 0, seconds: seconds))
                log(String(
                    format: "run %d: store %.0f/s (pgbench %.0f); login p50/p99 %.1f/%.1f ms with %d waiting, %.1f/%.1f ms with none; fetch %.0f logins/s (none %.0f)",
                    run + 1, results.store[run].rate, results.storeBase[run], results.withMail[run].p50 * 1000, results.withMail[run].p99 * 1000, waiting,
                    results.withoutMail[run].p50 * 1000, results.withoutMail[run].p99 * 1000, results.fetch[run].loginRate, results.fetchNone[run].loginRate
                ))
            }
            let left = try db.query("SELECT count(*)::int AS n FROM mailbox WHERE recipient_id BETWEEN $1 AND $2", [a0, b0 + region - 1])
            log("stored during the run: \(try left.first?.decode("n", as: Int.self) ?? -1) messages (juiced and pgbench)")
            await context.stopServer(server)
        } catch {
            await context.stopServer(server)
            throw error
        }

        report.add(section(users: users, seconds: seconds, runs: context.runs, senders: senders, loginWaiting: loginWaiting, fetchPerRun: fetchPerRun, results))
    }

    static func log(_ line: String) {
        FileHandle.standardError.write(Data("  \(line)\n".utf8))
    }

    /// `waiting` messages for each of the odd users `first`, `first + 2`, ... (`count` of them),
    /// each from its buddy n+1, inserted round-robin (message k of every user, then k+1).
    static func prepareMessages(_ db: PostgresConnection, first: Int, count: Int, prefix: [UInt8], suffix: [UInt8]) throws {
        try db.query("""
            INSERT INTO mailbox (recipient_id, sender_id, message_id, envelope, expires_at)
            SELECT r, r + 1, m.id, $1::bytea || m.id || $2::bytea, now() + make_interval(secs => $3::int)
            FROM generate_series(1, $4::int) k, generate_series($5::bigint, $5::bigint + 2 * ($6::bigint - 1), 2) r,
                 LATERAL (SELECT int8send(r) || int8send(k::bigint) AS id) m
            ORDER BY k, r
            """, [prefix, suffix, settings.expirySeconds, waiting, first, count])
    }

    /// Command tokens (`online: false`) for `users`, 16 logins at a time.
    static func commandTokens(_ context: BenchContext, url: String, users: [Int]) async throws -> [(user: Int, token: String)] {
        struct Reply: Decodable { let token: String }
        let cursor = Locked(0)
        return try await withThrowingTaskGroup(of: [(user: Int, token: String)].self) { group in
            for _ in 0..<16 {
                group.addTask {
                    var tokens: [(user: Int, token: String)] = []
                    while let index = cursor.withLock({ (value: inout Int) -> Int? in
                        guard value < users.count else { return nil }
                        value += 1
                        return value - 1
                    }) {
                        var request = HTTPClientRequest(url: url + "/v1/sessions")
                        request.method = .POST
                        request.headers.add(name: "content-type", value: "application/json")
                        request.body = .bytes(ByteBuffer(string: #"{"username":"user\#(users[index])","realm":"juice","authKey":"\#(Population.authKeyBase64)","online":false}"#))
                        let response = try await context.http.execute(request, timeout: .seconds(30))
                        let body = try await response.body.collect(upTo: 1 << 20)
                        guard response.status == .ok || response.status == .created else {
                            throw BenchError("command login failed: \(response.status) \(String(buffer: body))")
                        }
                        tokens.append((users[index], try JSONDecoder().decode(Reply.self, from: Data(body.readableBytesView)).token))
                    }
                    return tokens
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }
}
