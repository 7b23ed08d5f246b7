import Foundation
import HTTPTypes
@testable import JuiceServer
import JuiceTestSupport
import Postgres
import Testing

/// The database pool's queue is bounded: past it a request is refused at once, not queued.
@Suite struct PoolSaturationTests {
    @Test func aFullPoolQueueAnswers503AtOnceAndTheServiceRecovers() async throws {
        let logs = RecordedLogs()
        try await withService(poolSize: 1, poolQueueLimit: 0, logger: logs.logger) { api, db, pool in
            let alice = TestUser("alice")
            #expect(try await api.register(alice).status == .created)

            // The pool's only connection sleeps for 6 s; with no room to queue, calls must fail
            // without waiting for it: the answers come while it still sleeps.
            async let sleeper = pool.withConnection { try $0.query("SELECT pg_sleep(6)").rows.count }
            var sleeping = false
            for _ in 0..<100 where !sleeping {
                sleeping = try stillSleeping(db)
                if !sleeping { try await Task.sleep(for: .milliseconds(50)) }
            }
            try #require(sleeping, "the connection never started sleeping")

            var busy = api
            busy.databaseUnavailable = true
            let login = try await busy.login(alice)
            let register = try await busy.register(TestUser("bob"))
            for response in [login, register] {
                #expect(response.status == .serviceUnavailable, "\(response.status) \(response.body)")
                #expect(response.errorCode == "unavailable")
                #expect(response.headers[.retryAfter] == "1")
            }
            #expect(try stillSleeping(db), "the answers waited for the busy connection, as if the requests had queued")
            #expect(logs.atLeast(.error).contains { $0.text.contains("saturated") })

            #expect(try await sleeper == 1)
            #expect(try await api.login(alice).status == .ok)
            #expect(try await api.register(TestUser("bob")).status == .created)
        }
    }

    /// True while the pool's connection runs its `pg_sleep`.
    private func stillSleeping(_ db: TestDatabase) throws -> Bool {
        let row = try db.sql("SELECT count(*) AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(6)' AND state = 'active'").first
        return try row?.decode("n", as: Int.self) == 1
    }

    @Test func thePoolAdmitsItsSizePlusItsQueueLimit() async throws {
        let db = try await TestDatabase.create("queue")
        defer { db.drop() }
        let pool = PostgresPool(configuration: db.configuration, size: 2, queueLimit: 3)
        #expect(pool.queueLimit == 3)
        #expect(PostgresPool.defaultQueueLimit(size: 8) == 256)
        // Ten calls at once: two run, three wait, five are refused without reaching the server.
        let results = await withTaskGroup(of: Result<Int, PostgresError>.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    do { return .success(try await pool.withConnection { try $0.query("SELECT pg_sleep(1)").rows.count }) }
                    catch { return .failure(error as? PostgresError ?? PostgresError(.query, message: "\(error)")) }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        await pool.shutdown()
        let refused = results.filter { if case .failure(let error) = $0 { error.kind == .saturated } else { false } }
        #expect(results.filter { if case .success = $0 { true } else { false } }.count == 5)
        #expect(refused.count == 5)
    }
}
