import Foundation
@testable import JuiceServer
import JuiceTestSupport
import Logging
import Postgres
import Testing

/// Roles belong to the cluster, not the database: first migrations of several databases at once
/// on a fresh cluster race to create `juice_admin`, and every one must still succeed.
@Suite struct MigrationRaceTests {
    @Test func firstMigrationsOfSeveralDatabasesAtOnceAllSucceed() async throws {
        let logger = Logger(label: "migration-race")
        let directory = URL(fileURLWithPath: "/tmp/juice-race-\(UInt32.random(in: 0...UInt32.max))")
        let cluster = PrivateCluster(directory: directory, database: "postgres", logger: logger)
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await blocking { try cluster.start() }
        let names = (0..<6).map { "race\($0)" }
        try await blocking {
            let admin = try PostgresConnection(server)
            for name in names { try admin.executeScript("CREATE DATABASE \(name)") }
        }
        let failures = await withTaskGroup(of: String?.self) { group in
            for name in names {
                group.addTask {
                    let pool = PostgresPool(configuration: server.database(name), size: 1, logger: logger)
                    defer { Task { await pool.shutdown() } }
                    do { try await Migrator(pool: pool, logger: logger).migrate(); return nil } catch { return "\(name): \(error)" }
                }
            }
            return await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
        }
        _ = try? await blocking { try cluster.stop() }
        #expect(failures.isEmpty, "\(failures)")
    }
}
