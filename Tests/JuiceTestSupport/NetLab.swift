import Foundation

/// A NAT lab (`Ops/netlab`, docs/reachability.md 8) with `juiced` over HTTPS on the lab's
/// internet (203.0.113.10:7480, on `database` through PostgreSQL's Unix socket) and coturn beside
/// it (203.0.113.20:3478), sharing a fresh secret. Homes 1 and 2 are behind cone NATs, home 3
/// (with `symmetricHome3`) behind a symmetric one; each home has a second host, `neighbourK`.
/// The end-to-end tests and the benchmarks both build on it. Needs root.
public final class NetLab: Sendable {
    public static let juicedAddress = "203.0.113.10"
    public static let relayAddress = "203.0.113.20"
    public static let serverURL = "https://\(juicedAddress):7480"
    static let ip = URL(fileURLWithPath: "/usr/sbin/ip")
    static let netlab = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Ops/netlab").standardizedFileURL

    public let name: String
    public let database: TestDatabase
    /// The lab's own directory: certificate, secret, client homes, captures.
    public let directory: URL
    /// The CA certificate clients pass (`--ca-file`).
    public let certificate: String
    private let serverArguments: [String]
    private let relaySecret: String
    private let serverProcess: Locked<ManagedProcess>
    private let relayProcess: Locked<ManagedProcess>

    /// juiced on the lab's internet; ``restartServer(down:)`` replaces it.
    public var server: ManagedProcess { serverProcess.withLock { $0 } }
    /// coturn on the lab's internet; ``restartRelay()`` replaces it.
    public var relay: ManagedProcess { relayProcess.withLock { $0 } }

    private init(name: String, database: TestDatabase, directory: URL, certificate: String, serverArguments: [String], relaySecret: String, server: ManagedProcess, relay: ManagedProcess) {
        self.name = name
        self.database = database
        self.directory = directory
        self.certificate = certificate
        self.serverArguments = serverArguments
        self.relaySecret = relaySecret
        serverProcess = Locked(server)
        relayProcess = Locked(relay)
    }

    /// Builds lab `prefix<pid>_<random>` and starts coturn and `juiced` (`juiced` is the binary,
    /// `juicedOptions` added to its arguments) on `database`; returns once `juiced` listens. On
    /// any failure everything built is taken down (the database too) and the error thrown.
    public static func up(prefix: String, symmetricHome3: Bool, database: TestDatabase, juiced: URL, juicedOptions: [String] = []) async throws -> NetLab {
        let name = "\(prefix)\(getpid() % 100_000)_\(UInt16.random(in: 0...UInt16.max))"
        let up = try await ManagedProcess.run(netlab, ["up", name] + (symmetricHome3 ? ["--nat3", "symmetric"] : []), timeout: .seconds(30))
        guard up.status == 0 else {
            database.drop()
            throw NetLabError("netlab up failed: \(up.error)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netlab-\(name)")
        var started: [ManagedProcess] = []
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let (certificate, key) = try await TestCertificate.selfSigned(in: directory, ip: juicedAddress)
            let secret = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
            let secretFile = directory.appendingPathComponent("turn-secret")
            try Data(secret.utf8).write(to: secretFile)
            let relay = try startRelay(lab: name, secret: secret, directory: directory)
            started.append(relay)
            let arguments = [
                "netns", "exec", "nl-\(name)-inet", juiced.path,
                "--host", juicedAddress, "--port", "7480", "--tls-certificate", certificate, "--tls-key", key,
                "--turn-server", "\(relayAddress):3478", "--turn-secret-file", secretFile.path,
            ] + juicedOptions
            let server = try ManagedProcess(ip, arguments, environment: database.clientEnvironment)
            started.append(server)
            let lab = NetLab(name: name, database: database, directory: directory, certificate: certificate,
                             serverArguments: arguments, relaySecret: secret, server: server, relay: relay)
            try await lab.waitForServer()
            return lab
        } catch {
            for process in started { process.kill() }
            _ = try? await ManagedProcess.run(netlab, ["down", name], timeout: .seconds(30))
            database.drop()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Stops `juiced` and coturn, takes the lab down (with anything else still running in it),
    /// drops the database and removes the directory.
    public func down() async {
        server.interrupt()
        _ = await server.waitForExit(timeout: .seconds(10))
        relay.kill() // coturn takes seconds over a graceful stop, and holds nothing worth keeping here
        _ = await relay.waitForExit(timeout: .seconds(10))
        _ = try? await ManagedProcess.run(Self.netlab, ["down", name], timeout: .seconds(30))
        database.drop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// coturn in the lab's internet namespace, in the foreground.
    private static func startRelay(lab name: String, secret: String, directory: URL) throws -> ManagedProcess {
        try ManagedProcess(ip, [
            "netns", "exec", "nl-\(name)-inet", "/usr/bin/turnserver", "-n",
            "--listening-ip", relayAddress, "--relay-ip", relayAddress, "--listening-port", "3478",
            "--use-auth-secret", "--static-auth-secret", secret, "--realm", "juice.lab",
            "--no-tls", "--no-dtls", "--no-cli", "--no-rfc5780", "--min-port", "50000", "--max-port", "50999",
            "--log-file", "stdout", "--simple-log",
            "--pidfile", directory.appendingPathComponent("turnserver.pid").path,
            "--db", directory.appendingPathComponent("turndb.sqlite").path,
        ])
    }

    /// kill -9 of juiced, then a new juiced on the same address and database after `down`.
    public func restartServer(down: Duration = .seconds(1)) async throws {
        server.kill()
        _ = await server.waitForExit(timeout: .seconds(10))
        try await Task.sleep(for: down)
        let process = try ManagedProcess(Self.ip, serverArguments, environment: database.clientEnvironment)
        serverProcess.withLock { $0 = process }
        try await waitForServer()
    }

    /// Stops coturn (kill -9, as a crash would).
    public func stopRelay() async {
        relay.kill()
        _ = await relay.waitForExit(timeout: .seconds(10))
    }

    /// Starts coturn again, with the same secret.
    public func restartRelay() throws {
        let process = try Self.startRelay(lab: name, secret: relaySecret, directory: directory)
        relayProcess.withLock { $0 = process }
    }

    /// Waits for juiced to listen. coturn starts in about 0.1 s, well before the first client
    /// needs it (registrations take seconds), and its log is block-buffered: it only has to be
    /// still running.
    private func waitForServer() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !server.errorOutput.contains("listening on \(Self.serverURL)") {
            guard ContinuousClock.now < deadline, server.isRunning else { throw NetLabError("juiced in the lab did not start: \(server.errorOutput)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard relay.isRunning else { throw NetLabError("coturn in the lab exited: \(relay.output.suffix(20)) \(relay.errorOutput)") }
    }

    /// The namespace of `node` (`internet`, `routerK`, `homeK`, `neighbourK`).
    public func namespace(_ node: String) -> String {
        switch node {
        case "internet": "nl-\(name)-inet"
        case let n where n.hasPrefix("router"): "nl-\(name)-r\(n.dropFirst(6))"
        case let n where n.hasPrefix("home"): "nl-\(name)-h\(n.dropFirst(4))"
        default: "nl-\(name)-n\(node.dropFirst(9))"
        }
    }

    /// The address of a host node on its LAN: homeK is 10.0.K.2, neighbourK 10.0.K.3.
    public static func address(_ node: String) -> String {
        node.hasPrefix("home") ? "10.0.\(node.dropFirst(4)).2" : "10.0.\(node.dropFirst(9)).3"
    }

    /// Starts `executable` in `node`'s namespace.
    public func start(_ node: String, _ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> ManagedProcess {
        try ManagedProcess(Self.ip, ["netns", "exec", namespace(node), executable.path] + arguments, environment: environment)
    }

    /// Runs `executable` in `node`'s namespace to completion.
    public func run(_ node: String, _ executable: URL, _ arguments: [String], stdin: String = "", environment: [String: String] = [:]) async throws -> (status: Int32, output: String, error: String) {
        try await ManagedProcess.run(Self.ip, ["netns", "exec", namespace(node), executable.path] + arguments, stdin: stdin, environment: environment)
    }

    /// The client options every lab user shares: the server and its certificate.
    public func clientArguments() -> [String] { ["--server", Self.serverURL, "--ca-file", certificate] }
    /// A client state directory of `user`'s own.
    public func clientEnvironment(_ user: String) -> [String: String] { ["JUICE_HOME": directory.appendingPathComponent("home-\(user)").path] }
}

/// A lab that could not be built or whose servers did not start.
public struct NetLabError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
