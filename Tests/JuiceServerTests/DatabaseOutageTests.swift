import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import JuiceServer
import JuiceTestSupport
import Logging
import NIOPosix
import Postgres
import Testing

/// Stops a real PostgreSQL server under a running service (its own cluster, so that other tests
/// keep theirs).
@Suite struct DatabaseOutageTests {
    @Test func everyOperationAnswers503WhileThePostgreSQLServerIsDownAndLoginsWorkOnceItIsBack() async throws {
        let logs = RecordedLogs()
        try await withOwnCluster(logger: logs.logger) { cluster, api in
            let alice = TestUser("alice"), bob = TestUser("bob")
            #expect(try await api.register(alice).status == .created)
            #expect(try await api.register(bob).status == .created)
            let token = try await api.token(alice)

            try await blocking { try cluster.stop() }
            var down = api
            down.databaseUnavailable = true
            let responses = [
                "login": try await down.login(alice),
                "register": try await down.register(TestUser("carol")),
                "listBuddies": try await down.request(.get, "/v1/buddies", token: token),
                "renew": try await down.request(.post, "/v1/sessions/current/renew", token: token, json: [:]),
                "requestBuddy": try await down.request(.put, "/v1/buddies/bob", token: token),
                "logout": try await down.request(.delete, "/v1/sessions/current", token: token),
            ]
            for (operation, response) in responses {
                #expect(response.status == .serviceUnavailable, "\(operation): \(response.status) \(response.body)")
                #expect(response.errorCode == "unavailable", "\(operation)")
                #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 > 0, "\(operation) has no Retry-After")
                let logged = logs.atLeast(.error).contains { $0.text.contains("operation=\(operation)") && $0.text.contains("status=503") }
                #expect(logged, "\(operation) was not logged")
            }
            let secrets = [b64(alice.authKey), b64(alice.sealedSecret), token]
            #expect(!logs.all.contains { entry in secrets.contains { entry.text.contains($0) } }, "a secret reached the log")

            _ = try await blocking { try cluster.start() }
            #expect(try await api.login(alice).status == .ok)
            #expect(try await api.buddies(try await api.token(bob)).count == 0)
        }
    }
}

/// Runs `test` against the real application on a live socket, backed by a PostgreSQL cluster
/// of its own in a temporary directory, which the test may stop and start.
func withOwnCluster(logger: Logger, _ test: @escaping @Sendable (PrivateCluster, APIClient) async throws -> Void) async throws {
    let directory = URL(fileURLWithPath: "/tmp/juice-outage-\(UInt32.random(in: 0...UInt32.max))")
    let cluster = PrivateCluster(directory: directory, database: "juice", logger: logger)
    defer { try? FileManager.default.removeItem(at: directory) }
    let pool = PostgresPool(configuration: try await blocking { try cluster.start() }, size: 2, logger: logger)
    do {
        try await Migrator(pool: pool, logger: logger).migrate()
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.reaperInterval = .seconds(3600)
        let app = try buildApplication(configuration: configuration, pool: pool, logger: logger)
        try await app.test(.live) { client in try await test(cluster, APIClient(client: client)) }
    } catch {
        await pool.shutdown()
        _ = try? await blocking { try cluster.stop() }
        throw error
    }
    await pool.shutdown()
    try await blocking { try cluster.stop() }
}

/// Runs blocking work (pg_ctl) on NIO's thread pool, off the cooperative one.
func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(work)
}
