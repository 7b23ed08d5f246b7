import JuiceTestSupport
import Postgres
import Testing

@Suite struct PostgresConnectionTests {
    @Test func bindsAndDecodesTypes() async throws {
        let db = try await TestDatabase.create("types")
        defer { db.drop() }
        let connection = try PostgresConnection(db.configuration)
        let row = try #require(try connection.query(
            "SELECT $1::text AS t, $2::bigint AS i, $3::bool AS b, $4::bytea AS y, $5::text AS n, $6::float8 AS d",
            ["it's; DROP TABLE x --", Int64.max, true, [UInt8]([0, 1, 0xFF]), Optional<String>.none, 1.5]
        ).first)
        #expect(try row.decode("t", as: String.self) == "it's; DROP TABLE x --")
        #expect(try row.decode("i", as: Int64.self) == Int64.max)
        #expect(try row.decode("b", as: Bool.self))
        #expect(try row.decode("y", as: [UInt8].self) == [0, 1, 0xFF])
        #expect(try row.decode("n", as: String?.self) == nil)
        #expect(try row.decode("d", as: Double.self) == 1.5)
        #expect(throws: PostgresError.self) { try row.decode("t", as: Int64.self) }
        #expect(throws: PostgresError.self) { try row.decode("missing", as: String.self) }
    }

    @Test func reportsSQLStateAndRollsBack() async throws {
        let db = try await TestDatabase.create("errors")
        defer { db.drop() }
        let connection = try PostgresConnection(db.configuration)
        try connection.executeScript("CREATE TABLE t (id int PRIMARY KEY)")
        try connection.query("INSERT INTO t VALUES ($1)", [1])
        do {
            try connection.query("INSERT INTO t VALUES ($1)", [1])
            Issue.record("duplicate insert succeeded")
        } catch let error as PostgresError {
            #expect(error.isUniqueViolation)
            #expect(error.kind == .query)
        }
        #expect(throws: (any Error).self) {
            try connection.transaction { c in
                try c.query("INSERT INTO t VALUES ($1)", [2])
                throw PostgresError(.query, message: "abort")
            }
        }
        #expect(try connection.query("SELECT count(*) AS n FROM t").first?.decode("n", as: Int.self) == 1)
    }

    @Test func preparedStatementsRunRepeatedly() async throws {
        let db = try await TestDatabase.create("prepared")
        defer { db.drop() }
        let connection = try PostgresConnection(db.configuration)
        let statement = PreparedStatement("double_it", "SELECT $1::int * 2 AS v")
        for value in 1...3 {
            #expect(try connection.execute(statement, [value]).first?.decode("v", as: Int.self) == value * 2)
        }
    }

    @Test func connectionFailureIsAClearError() {
        #expect(throws: PostgresError.self) {
            try PostgresConnection(.url("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"))
        }
    }
}

@Suite struct PostgresPoolTests {
    @Test func runsConcurrentWorkOnItsThreads() async throws {
        let db = try await TestDatabase.create("pool")
        defer { db.drop() }
        let pool = PostgresPool(configuration: db.configuration, size: 3)
        let sum = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 1...30 { group.addTask { try await pool.withConnection { try $0.query("SELECT $1::int AS v", [i]).first!.decode("v") } } }
            return try await group.reduce(0, +)
        }
        #expect(sum == 465)
        await pool.shutdown()
        await #expect(throws: PostgresError.self) { try await pool.withConnection { _ in 1 } }
    }

    @Test func reconnectsAfterTheServerDropsTheConnection() async throws {
        let db = try await TestDatabase.create("reconnect")
        defer { db.drop() }
        let pool = PostgresPool(configuration: db.configuration, size: 1)
        defer { Task { await pool.shutdown() } }
        let pid: Int = try await pool.withConnection { try $0.query("SELECT pg_backend_pid() AS p").first!.decode("p") }
        // What a PostgreSQL restart does to an open connection: the server ends the backend.
        let admin = try PostgresConnection(db.configuration)
        try admin.query("SELECT pg_terminate_backend($1)", [pid])
        try await Task.sleep(for: .milliseconds(100))
        let newPid: Int = try await pool.withConnection { try $0.query("SELECT pg_backend_pid() AS p").first!.decode("p") }
        #expect(newPid != pid)
    }
}
