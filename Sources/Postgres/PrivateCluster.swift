import Foundation
import Logging

/// A PostgreSQL cluster of our own in a directory: `initdb` on first use, then `pg_ctl start`,
/// listening on a Unix socket only (no TCP), reachable by its owner alone.
///
/// PostgreSQL refuses to run as root, so when we are root the cluster runs as the `postgres`
/// user (through `runuser`) and its directory is handed to that user.
public struct PrivateCluster: Sendable {
    /// The directory that holds `data/`, `socket/` and `postgres.log`.
    public let directory: URL
    /// The database Juice uses inside the cluster.
    public let database: String
    private let logger: Logger

    /// The port number (it only names the socket file).
    public static let port = 5432

    /// A cluster in `directory` (created if missing).
    public init(directory: URL, database: String = "juice", logger: Logger) {
        self.directory = directory.standardizedFileURL
        self.database = database
        self.logger = logger
    }

    var dataDirectory: URL { directory.appendingPathComponent("data") }
    /// The Unix socket directory.
    public var socketDirectory: URL { directory.appendingPathComponent("socket") }
    var logFile: URL { directory.appendingPathComponent("postgres.log") }
    private var runsAsPostgresUser: Bool { geteuid() == 0 }
    private var user: String { runsAsPostgresUser ? "postgres" : (ProcessInfo.processInfo.environment["USER"] ?? NSUserName()) }

    /// How to connect: the socket directory, as the cluster's owner.
    public var configuration: ConnectionConfiguration {
        .socket(directory: socketDirectory.path, port: Self.port, database: database, user: user)
    }

    /// Initialises the cluster if needed, starts it if it is not running, and creates the database.
    public func start() throws -> ConnectionConfiguration {
        let binaries = try Self.binaryDirectory()
        guard !directory.path.contains("'"), socketDirectory.path.utf8.count < 90 else {
            throw PostgresError(.connection, message: "state directory path must be shorter than 80 characters and contain no quote: \(directory.path)")
        }
        let files = FileManager.default
        try files.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
        if runsAsPostgresUser {
            try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
            try run("/bin/chown", ["-R", "postgres:postgres", directory.path], asOwner: false)
        }
        if !files.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) {
            logger.info("creating a private PostgreSQL cluster", metadata: ["directory": "\(directory.path)"])
            try run(binaries + "/initdb", ["-D", dataDirectory.path, "-U", user, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
            let settings = """

                # Juice private cluster: Unix socket only, reachable by its owner alone.
                listen_addresses = ''
                unix_socket_directories = '\(socketDirectory.path)'
                unix_socket_permissions = 0700
                port = \(Self.port)
                fsync = on
                # As Ops/test's cluster: a test run starts dozens of services at once, each with
                # its pool and its LISTEN connection.
                max_connections = 300

                """
            let handle = try FileHandle(forWritingTo: dataDirectory.appendingPathComponent("postgresql.conf"))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(settings.utf8))
            try handle.close()
        }
        if (try? run(binaries + "/pg_ctl", ["-D", dataDirectory.path, "status"], quiet: true)) == nil {
            logger.info("starting the private PostgreSQL cluster", metadata: ["socket": "\(socketDirectory.path)"])
            try run(binaries + "/pg_ctl", ["-D", dataDirectory.path, "-l", logFile.path, "-w", "-t", "60", "start"])
        }
        let admin = try PostgresConnection(configuration.database("postgres"))
        if try admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]).rows.isEmpty {
            try admin.executeScript("CREATE DATABASE \"\(database)\"")
        }
        return configuration
    }

    /// Stops the cluster (fast shutdown: open transactions roll back, data is safe).
    public func stop() throws {
        let binaries = try Self.binaryDirectory()
        try run(binaries + "/pg_ctl", ["-D", dataDirectory.path, "-m", "fast", "-w", "stop"], quiet: true)
    }

    /// The directory of `initdb` and `pg_ctl`: `$PG_BINDIR`, the newest `/usr/lib/postgresql/N/bin`, or `PATH`.
    public static func binaryDirectory() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let dir = environment["PG_BINDIR"] { return dir }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        if let newest = versions.last { return "\(root)/\(newest)/bin" }
        for dir in (environment["PATH"] ?? "").split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/initdb") {
            return String(dir)
        }
        throw PostgresError(.connection, message: "PostgreSQL server programs (initdb, pg_ctl) not found; install postgresql or set PG_BINDIR")
    }

    private func run(_ program: String, _ arguments: [String], asOwner: Bool = true, quiet: Bool = false) throws {
        let argv = asOwner && runsAsPostgresUser ? ["/usr/sbin/runuser", "-u", "postgres", "--", program] + arguments : [program] + arguments
        // Output goes to a file, not a pipe: the server that pg_ctl starts would hold a pipe open.
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("juice-pgctl-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out").path
        defer { unlink(outputPath) }
        let status = try ChildProcess.run(argv, outputPath: outputPath)
        guard status == 0 else {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            let name = (program as NSString).lastPathComponent
            if !quiet { logger.error("\(name) failed", metadata: ["output": "\(text)"]) }
            throw PostgresError(.connection, message: "\(name) failed (exit \(status)): \(text.split(separator: "\n").last ?? "")")
        }
    }
}
