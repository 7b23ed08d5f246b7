import Foundation
import Logging
import Postgres

/// A fresh, empty PostgreSQL database for one test, on a real server.
///
/// The server is the one the PG* variables name (as `Ops/test` sets them up), or else a private
/// cluster this process starts once in a temporary directory. When neither works the test
/// fails: it never skips.
public struct TestDatabase: Sendable {
    /// How to connect to the test's own database.
    public let configuration: ConnectionConfiguration
    /// The database name.
    public let name: String

    private static let server: Result<ConnectionConfiguration, any Error> = {
        let environment = ProcessInfo.processInfo.environment
        if environment["PGHOST"] != nil || environment["PGDATABASE"] != nil {
            return .success(.environment(applicationName: "juice-tests"))
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("juice-tests-\(getpid())")
        let cluster = PrivateCluster(directory: directory, database: "postgres", logger: Logger(label: "tests"))
        return Result { try cluster.start() }
    }()

    /// Creates a new database named after the test.
    public static func create(_ label: String = "t") async throws -> TestDatabase {
        let server = try server.get()
        let name = "juice_\(label.lowercased().filter { $0.isLetter || $0.isNumber })_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PostgresConnection(server)
        try admin.executeScript("CREATE DATABASE \"\(name)\"")
        return TestDatabase(configuration: server.database(name), name: name)
    }

    /// The server-level configuration (for admin work such as terminating backends).
    public static func serverConfiguration() throws -> ConnectionConfiguration { try server.get() }

    /// Drops the database (best effort; connections to it are terminated first).
    public func drop() {
        guard let admin = try? PostgresConnection(Self.serverConfiguration()) else { return }
        _ = try? admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name])
        _ = try? admin.executeScript("DROP DATABASE IF EXISTS \"\(name)\"")
    }
}

extension TestDatabase {
    /// The PG* variables that point psql and juiced at this database.
    public var clientEnvironment: [String: String] {
        let names = ["host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "dbname": "PGDATABASE"]
        var environment: [String: String] = [:]
        for (keyword, value) in configuration.parameters {
            if let name = names[keyword] { environment[name] = value }
        }
        return environment
    }
}
