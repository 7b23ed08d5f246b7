import Foundation
@testable import JuiceServer
import JuiceTestSupport
import Logging
import Postgres
import Testing

@Suite struct MigrationTests {
    func migrated() async throws -> (TestDatabase, PostgresPool) {
        let db = try await TestDatabase.create("migrate")
        let pool = PostgresPool(configuration: db.configuration, size: 1)
        try await Migrator(pool: pool, logger: Logger(label: "test")).migrate()
        return (db, pool)
    }

    @Test func rerunningIsANoOp() async throws {
        let (db, pool) = try await migrated()
        defer { db.drop() }
        let again = try await Migrator(pool: pool, logger: Logger(label: "test")).migrate()
        await pool.shutdown()
        #expect(again.isEmpty)
        #expect(try db.sql("SELECT count(*) AS n FROM schema_migrations").first?.decode("n", as: Int.self) == Migration.all.count)
    }

    @Test func everySchemaFileIsEmbedded() throws {
        let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Schema").standardizedFileURL
        let files = try FileManager.default.contentsOfDirectory(atPath: schema.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files == Migration.all.map(\.name))
        #expect(Migration.all.map(\.version) == Array(1...Migration.all.count))
        for migration in Migration.all {
            #expect(try String(contentsOf: schema.appendingPathComponent(migration.name), encoding: .utf8) == migration.sql)
        }
    }

    /// `presence_announce(subjects, here)` returns the pairs whose recipient's stream instance
    /// `here` holds, rather than notifying it (docs/reachability.md 2.8); the one-argument form of
    /// the previous release still runs, for a rolling upgrade.
    @Test func presenceAnnounceReturnsTheAskingInstancesPairsAndTheOldFormStillRuns() async throws {
        let (db, pool) = try await migrated()
        defer { db.drop() }
        await pool.shutdown()
        let insert = "INSERT INTO accounts (username, verifier, verifier_salt, public_key, sealed_secret) VALUES ($1, $2, $2, $3, $4) RETURNING id"
        var ids: [Int64] = []
        for (index, name) in ["alice", "bob", "carol"].enumerated() {
            let key = [UInt8](repeating: UInt8(index + 1), count: 32)
            ids.append(try #require(try db.sql(insert, [name, [UInt8](repeating: 9, count: 32), key, [UInt8](repeating: 2, count: 72)]).first?.decode("id")))
        }
        for (id, instance) in zip(ids, [nil, 42, 43] as [Int64?]) {
            try db.sql("INSERT INTO presence_state (account_id, stream_instance) VALUES ($1, $2)", [id, instance])
        }
        for buddy in ids.dropFirst() { // alice's accepted buddies: bob (streams on 42), carol (on 43)
            try db.sql("INSERT INTO buddies (requester_id, addressee_id, accepted_at) VALUES ($1, $2, now())", [ids[0], buddy])
        }
        func pairs(here: Int64) throws -> [[Int64]] {
            try db.sql("SELECT subject_id, recipient_id FROM presence_announce(ARRAY[$1]::bigint[], $2::bigint)", [ids[0], here])
                .rows.map { [try $0.decode("subject_id", as: Int64.self), try $0.decode("recipient_id", as: Int64.self)] }
        }
        #expect(try pairs(here: 42) == [[ids[0], ids[1]]])
        #expect(try pairs(here: 43) == [[ids[0], ids[2]]])
        #expect(try pairs(here: 0).isEmpty) // both notified
        #expect(try db.sql("SELECT presence_announce(ARRAY[$1]::bigint[]) AS sent", [ids[0]]).first?.decode("sent", as: Int.self) == 0)
    }

    @Test func theDatabaseRejectsBadRows() async throws {
        let (db, pool) = try await migrated()
        defer { db.drop() }
        await pool.shutdown()
        let insert = "INSERT INTO accounts (username, verifier, verifier_salt, public_key, sealed_secret) VALUES ($1, $2, $2, $2, $3) RETURNING id"
        let key = [UInt8](repeating: 1, count: 32), sealed = [UInt8](repeating: 2, count: 72)
        let id: Int64 = try #require(try db.sql(insert, ["alice", key, sealed]).first?.decode("id"))
        try db.sql("INSERT INTO presence_state (account_id) VALUES ($1)", [id])

        func rejected(_ sql: String, _ binds: [any PostgresBindable], _ check: (PostgresError) -> Bool) {
            do {
                _ = try db.sql(sql, binds)
                Issue.record("accepted: \(sql)")
            } catch let error as PostgresError {
                #expect(check(error), "\(error)")
            } catch {
                Issue.record("\(error)")
            }
        }
        rejected("UPDATE presence_state SET peer_id = -1 WHERE account_id = $1", [id]) { $0.isCheckViolation }
        rejected("INSERT INTO buddies (requester_id, addressee_id) VALUES ($1, $1)", [id]) { $0.isCheckViolation }
        rejected(insert, ["alice", key, sealed]) { $0.isUniqueViolation }
        rejected(insert, ["Alice", key, sealed]) { $0.isCheckViolation }
        rejected(insert, ["bob", key, sealed]) { $0.isUniqueViolation && $0.constraint == "accounts_public_key_key" } // one key, one account
        rejected("INSERT INTO buddies (requester_id, addressee_id) VALUES ($1, 999999)", [id]) { $0.isForeignKeyViolation }
        rejected("UPDATE presence_state SET peer_id = 5 WHERE account_id = $1", [id]) { $0.isCheckViolation } // online needs a lease
    }

    @Test func adminRoleSeesViewsButNoKeys() async throws {
        let (db, pool) = try await migrated()
        defer { db.drop() }
        await pool.shutdown()
        let connection = try PostgresConnection(db.configuration)
        try connection.executeScript("SET ROLE juice_admin")
        #expect(try connection.query("SELECT count(*) AS n FROM presence").first?.decode("n", as: Int.self) == 0)
        for table in ["accounts", "sessions", "presence_state"] {
            #expect(throws: PostgresError.self) { try connection.query("SELECT * FROM \(table)") }
        }
    }
}
