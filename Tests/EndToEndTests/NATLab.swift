import Foundation
import JuiceTestSupport
import Testing

/// A NAT lab built by `Ops/netlab` (docs/reachability.md 8) with a real `juiced` (HTTPS, on a
/// fresh database reached through PostgreSQL's Unix socket) on the lab's internet, and `juice`
/// clients in its homes. Homes 1 and 2 are behind cone NATs, home 3 (with `symmetric`) behind
/// a symmetric one; each home has a second host, `neighbourK`, on the same LAN.
struct NATLab {
    let name: String
    let database: TestDatabase
    /// juiced on the lab's internet (203.0.113.10:7480); ``restartServer()`` replaces it.
    var server: ManagedProcess { serverProcess.withLock { $0 } }
    private let serverProcess: Locked<ManagedProcess>
    private let serverArguments: [String]
    /// coturn on the lab's internet (203.0.113.20:3478), sharing its secret with juiced.
    var relay: ManagedProcess { relayProcess.withLock { $0 } }
    private let relayProcess: Locked<ManagedProcess>
    private let relaySecret: String
    /// The lab's own directory: certificate, client homes, captures.
    let directory: URL
    let certificate: String

    static let juicedAddress = "203.0.113.10"
    static let relayAddress = "203.0.113.20"
    static var serverURL: String { "https://\(juicedAddress):7480" }

    static let netlab = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Ops/netlab").standardizedFileURL

    /// Whether the lab can run here: as root (`Ops/netlab` installs what else it needs). A lab
    /// test without root fails when `CI` is set (CI runs as root) and is skipped otherwise.
    static var available: Bool { getuid() == 0 || ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Builds a lab (home 3 symmetric when `symmetricHome3`), runs `body`, and always takes the lab down.
    static func with(symmetricHome3: Bool = false, _ body: (NATLab) async throws -> Void) async throws {
        let name = "t\(getpid() % 100_000)_\(UInt16.random(in: 0...UInt16.max))"
        let up = try await ManagedProcess.run(netlab, ["up", name] + (symmetricHome3 ? ["--nat3", "symmetric"] : []), timeout: .seconds(30))
        try #require(up.status == 0, "netlab up failed: \(up.error)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("natlab-\(name)")
        var database: TestDatabase?
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let (certificate, key) = try await TLSEndToEndTests.selfSignedCertificate(in: directory, ip: juicedAddress)
            database = try await TestDatabase.create("lab")
            let secret = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
            let secretFile = directory.appendingPathComponent("turn-secret")
            try Data(secret.utf8).write(to: secretFile)
            let relay = try startRelay(lab: name, secret: secret, directory: directory)
            let arguments = [
                "netns", "exec", "nl-\(name)-inet", Binaries.juiced.path,
                "--host", juicedAddress, "--port", "7480", "--tls-certificate", certificate, "--tls-key", key,
                "--turn-server", "\(relayAddress):3478", "--turn-secret-file", secretFile.path,
            ]
            let server = try ManagedProcess(URL(fileURLWithPath: "/usr/sbin/ip"), arguments, environment: JuiceProcesses.environment(for: database!))
            let lab = NATLab(
                name: name, database: database!, serverProcess: Locked(server), serverArguments: arguments,
                relayProcess: Locked(relay), relaySecret: secret, directory: directory, certificate: certificate
            )
            try await lab.waitForServer()
            try await body(lab)
            await lab.stop()
        } catch {
            _ = try? await ManagedProcess.run(netlab, ["down", name], timeout: .seconds(30))
            database?.drop()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// coturn in the lab's internet namespace, in the foreground.
    private static func startRelay(lab name: String, secret: String, directory: URL) throws -> ManagedProcess {
        try ManagedProcess(URL(fileURLWithPath: "/usr/sbin/ip"), [
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
    func restartServer(down: Duration = .seconds(1)) async throws {
        server.kill()
        _ = await server.waitForExit(timeout: .seconds(10))
        try await Task.sleep(for: down)
        let process = try ManagedProcess(URL(fileURLWithPath: "/usr/sbin/ip"), serverArguments, environment: JuiceProcesses.environment(for: database))
        serverProcess.withLock { $0 = process }
        try await waitForServer()
    }

    /// Stops coturn (kill -9, as a crash would).
    func stopRelay() async {
        relay.kill()
        _ = await relay.waitForExit(timeout: .seconds(10))
    }

    /// Starts coturn again, with the same secret.
    func restartRelay() throws {
        let process = try Self.startRelay(lab: name, secret: relaySecret, directory: directory)
        relayProcess.withLock { $0 = process }
    }

    /// Waits for juiced to listen. coturn starts in about 0.1 s, well before the first client
    /// needs it (registrations take seconds), and its log is block-buffered: it only has to be
    /// still running.
    private func waitForServer() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if server.errorOutput.contains("listening on https://\(Self.juicedAddress):7480") {
                guard relay.isRunning else { throw ProcessTimeout(command: "coturn in the lab exited: \(relay.output.suffix(20)) \(relay.errorOutput)") }
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ProcessTimeout(command: "juiced in the lab (\(server.errorOutput))")
    }

    func stop() async {
        server.interrupt()
        _ = await server.waitForExit(timeout: .seconds(10))
        relay.kill() // coturn takes seconds over a graceful stop, and holds nothing worth keeping here
        _ = await relay.waitForExit(timeout: .seconds(10))
        _ = try? await ManagedProcess.run(Self.netlab, ["down", name], timeout: .seconds(30))
        database.drop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The namespace of `node` (`internet`, `routerK`, `homeK`, `neighbourK`).
    func namespace(_ node: String) -> String {
        switch node {
        case "internet": "nl-\(name)-inet"
        case let n where n.hasPrefix("router"): "nl-\(name)-r\(n.dropFirst(6))"
        case let n where n.hasPrefix("home"): "nl-\(name)-h\(n.dropFirst(4))"
        default: "nl-\(name)-n\(node.dropFirst(9))"
        }
    }

    /// The address of a host node on its LAN: homeK is 10.0.K.2, neighbourK 10.0.K.3.
    static func address(_ node: String) -> String {
        node.hasPrefix("home") ? "10.0.\(node.dropFirst(4)).2" : "10.0.\(node.dropFirst(9)).3"
    }

    /// Starts `executable` in `node`'s namespace.
    func start(_ node: String, _ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> ManagedProcess {
        try ManagedProcess(URL(fileURLWithPath: "/usr/sbin/ip"), ["netns", "exec", namespace(node), executable.path] + arguments, environment: environment)
    }

    /// Runs `executable` in `node`'s namespace to completion.
    func run(_ node: String, _ executable: URL, _ arguments: [String], stdin: String = "", environment: [String: String] = [:]) async throws -> (status: Int32, output: String, error: String) {
        try await ManagedProcess.run(URL(fileURLWithPath: "/usr/sbin/ip"), ["netns", "exec", namespace(node), executable.path] + arguments, stdin: stdin, environment: environment)
    }

    /// A packet capture (tcpdump, every interface, whole packets) in `node`'s namespace, until
    /// ``stopCapture(_:)``; returns once tcpdump listens.
    func capture(_ node: String) async throws -> (process: ManagedProcess, file: URL) {
        let file = directory.appendingPathComponent("\(node).pcap")
        let tcpdump = try start(node, URL(fileURLWithPath: "/usr/bin/tcpdump"), ["-i", "any", "-s", "0", "-U", "-n", "-w", file.path])
        try #require(await tcpdump.waitForStderr("listening on", timeout: .seconds(10)), "tcpdump in \(node): \(tcpdump.errorOutput)")
        return (tcpdump, file)
    }

    /// Stops a capture; returns what it captured.
    func stopCapture(_ capture: (process: ManagedProcess, file: URL)) async throws -> Data {
        // -U wrote every packet as it came. tcpdump started from the test runner ignores SIGINT
        // and SIGTERM (it inherits a blocked signal mask), so it is killed.
        capture.process.kill()
        _ = await capture.process.waitForExit(timeout: .seconds(10))
        return try Data(contentsOf: capture.file)
    }

    /// Runs SQL through `psql` on the lab's database, as an admin would; unaligned rows.
    func psql(_ sql: String) async throws -> [String] {
        let result = try await ManagedProcess.run(URL(fileURLWithPath: "/usr/bin/psql"), ["-X", "-At", "-c", sql], environment: JuiceProcesses.environment(for: database))
        try #require(result.status == 0, "psql: \(result.error)")
        return result.output.split(separator: "\n").map(String.init)
    }

    /// juiced's API requests so far, by operation (its Prometheus counters, read from the lab's internet).
    func requestCounts() async throws -> [String: Int] {
        let scrape = try await run("internet", URL(fileURLWithPath: "/usr/bin/curl"), ["-fsS", "--cacert", certificate, Self.serverURL + "/metrics"])
        try #require(scrape.status == 0, "metrics: \(scrape.error)")
        return JuiceProcesses.requestCounts(metrics: scrape.output)
    }

    /// The client options every lab user shares: the server, its certificate, and a home of its own.
    func clientArguments() -> [String] { ["--server", Self.serverURL, "--ca-file", certificate] }
    func clientEnvironment(_ user: String) -> [String: String] { ["JUICE_HOME": directory.appendingPathComponent("home-\(user)").path] }

    /// Registers `user` from `node`.
    func register(_ user: String, from node: String) async throws {
        let result = try await run(node, Binaries.juice, ["register", user, "--password-stdin"] + clientArguments(), stdin: "\(testPassword)\n", environment: clientEnvironment(user))
        #expect(result.status == 0, "register \(user): \(result.error)")
    }

    /// `user` asks `buddy`, who accepts.
    func makeBuddies(_ user: (name: String, node: String), _ buddy: (name: String, node: String)) async throws {
        let ask = try await run(user.node, Binaries.juice, ["buddy", "add", buddy.name, "--user", user.name, "--password-stdin"] + clientArguments(), stdin: "\(testPassword)\n", environment: clientEnvironment(user.name))
        #expect(ask.status == 0, "\(ask.error)")
        let accept = try await run(buddy.node, Binaries.juice, ["buddy", "accept", user.name, "--user", buddy.name, "--password-stdin"] + clientArguments(), stdin: "\(testPassword)\n", environment: clientEnvironment(buddy.name))
        #expect(accept.status == 0, "\(accept.error)")
    }

    /// `juice login USER --json` in `node`, listening on its LAN address, port 7000.
    func login(_ user: String, in node: String, _ extra: [String] = []) throws -> ManagedProcess {
        let process = try start(node, Binaries.juice, ["login", user, "--json", "--password-stdin", "--listen", "\(Self.address(node)):7000"] + clientArguments() + extra,
                                environment: clientEnvironment(user))
        process.send(testPassword)
        return process
    }
}
