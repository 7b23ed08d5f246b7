import JuiceTestSupport
import Logging
import Postgres
import Testing

/// The LISTEN connection on a real server: notifications arrive, a channel name is quoted, and
/// a connection killed by the server is re-established and listens again.
@Suite struct PostgresListenerTests {
    @Test func deliversNotificationsAndListensAgainAfterItsConnectionIsKilled() async throws {
        let db = try await TestDatabase.create("listen")
        defer { db.drop() }
        let events = Locked<[PostgresListenerEvent]>([])
        let listener = PostgresListener(
            configuration: db.configuration.applicationName("juice-listener-test"), channel: "juice_i_Odd \"name\"",
            retryDelay: .milliseconds(200), logger: Logger(label: "listener-test")
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await listener.run { event in events.withLock { $0.append(event) } } }
            let sender = try PostgresConnection(db.configuration)
            func waitFor(_ count: Int, _ what: String) async throws {
                for _ in 0..<300 where events.withLock({ $0.count }) < count { try await Task.sleep(for: .milliseconds(10)) }
                try #require(events.withLock { $0.count } >= count, "no \(what) within 3 s: \(events.withLock { $0 })")
            }
            try await waitFor(1, "listening")
            try sender.query("SELECT pg_notify($1, $2)", [listener.channel, "first"])
            try await waitFor(2, "first notification")

            let killed = try sender.query(
                "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = 'juice-listener-test' AND datname = $1", [db.name]
            ).first?.decode("n", as: Int.self)
            #expect(killed == 1)
            try await waitFor(3, "listening again")
            try sender.query("SELECT pg_notify($1, $2)", [listener.channel, "second"])
            try await waitFor(4, "notification after the reconnection")
            #expect(events.withLock { $0 } == [.listening, .notification("first"), .listening, .notification("second")])
            group.cancelAll()
        }
    }
}
