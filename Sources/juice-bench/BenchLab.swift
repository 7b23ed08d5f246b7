import Foundation
import JuiceTestSupport

/// The NAT lab of docs/reachability.md 8 for the benchmarks (the same set-up as the end-to-end
/// tests' `NATLab`): `Ops/netlab` namespaces, `juiced` with TLS on the lab's internet
/// (203.0.113.10), coturn beside it (203.0.113.20), and real `juice login --json` clients in the
/// homes. Home 3 is behind a symmetric NAT. Needs root.
struct BenchLab {
    let name: String
    let context: BenchContext
    let database: TestDatabase
    let server: ManagedProcess
    let relay: ManagedProcess
    let directory: URL
    let certificate: String

    static let juicedAddress = "203.0.113.10"
    static let relayAddress = "203.0.113.20"
    static let serverURL = "https://\(juicedAddress):7480"
    static let ip = URL(fileURLWithPath: "/usr/sbin/ip")

    /// `Ops/netlab`, found from the working directory (Ops/bench runs from the repository root) or
    /// from the binaries' directory (`.build/release/` inside the repository).
    static var netlab: URL {
        let candidates = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Ops/netlab"),
            Binaries.directory.appendingPathComponent("../../../Ops/netlab").standardizedFileURL,
            Binaries.directory.appendingPathComponent("../../Ops/netlab").standardizedFileURL,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// Whether the lab can run: as root (Ops/bench runs as root here and in CI).
    static var available: Bool { getuid() == 0 }

    /// Builds a lab (home 3 symmetric), runs `body`, and always takes the lab down.
    static func with<T>(_ context: BenchContext, _ body: (BenchLab) async throws -> T) async throws -> T {
        let name = "b\(getpid() % 100_000)_\(UInt16.random(in: 0...UInt16.max))"
        let up = try await ManagedProcess.run(netlab, ["up", name, "--nat3", "symmetric"], timeout: .seconds(30))
        guard up.status == 0 else { throw BenchError("netlab up failed: \(up.error)") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("benchlab-\(name)")
        var database: TestDatabase?
        var processes: [ManagedProcess] = []
        func tearDown() async {
            for process in processes.reversed() {
                process.kill()
                _ = await process.waitForExit(timeout: .seconds(10))
            }
            _ = try? await ManagedProcess.run(netlab, ["down", name], timeout: .seconds(30))
            database?.drop()
            try? FileManager.default.removeItem(at: directory)
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let certificate = directory.appendingPathComponent("cert.pem").path, key = directory.appendingPathComponent("key.pem").path
            let openssl = try await ManagedProcess.run(URL(fileURLWithPath: "/usr/bin/openssl"), [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                "-subj", "/CN=\(juicedAddress)", "-addext", "subjectAltName=IP:\(juicedAddress)", "-keyout", key, "-out", certificate,
            ])
            guard openssl.status == 0 else { throw BenchError("openssl failed: \(openssl.error)") }
            database = try await context.freshDatabase("lab")
            let secret = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
            let secretFile = directory.appendingPathComponent("turn-secret")
            try Data(secret.utf8).write(to: secretFile)
            let relay = try ManagedProcess(ip, [
                "netns", "exec", "nl-\(name)-inet", "/usr/bin/turnserver", "-n",
                "--listening-ip", relayAddress, "--relay-ip", relayAddress, "--listening-port", "3478",
                "--use-auth-secret", "--static-auth-secret", secret, "--realm", "juice.lab",
                "--no-tls", "--no-dtls", "--no-cli", "--no-rfc5780", "--min-port", "50000", "--max-port", "50999",
                "--log-file", "stdout", "--simple-log",
                "--pidfile", directory.appendingPathComponent("turnserver.pid").path,
                "--db", directory.appendingPathComponent("turndb.sqlite").path,
            ])
            processes.append(relay)
            var environment: [String: String] = [:]
            let names = ["host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "dbname": "PGDATABASE"]
            for (keyword, value) in database!.configuration.parameters { if let name = names[keyword] { environment[name] = value } }
            let server = try ManagedProcess(ip, [
                "netns", "exec", "nl-\(name)-inet", context.juiced.path, "--log-level", "notice",
                "--host", juicedAddress, "--port", "7480", "--tls-certificate", certificate, "--tls-key", key,
                "--turn-server", "\(relayAddress):3478", "--turn-secret-file", secretFile.path,
            ], environment: environment)
            processes.append(server)
            let deadline = ContinuousClock.now + .seconds(30)
            while !server.errorOutput.contains("listening on https://\(juicedAddress):7480") {
                guard ContinuousClock.now < deadline, server.isRunning else { throw BenchError("juiced in the lab did not start: \(server.errorOutput)") }
                try await Task.sleep(for: .milliseconds(50))
            }
            guard relay.isRunning else { throw BenchError("coturn in the lab exited: \(relay.output.suffix(20)) \(relay.errorOutput)") }
            let lab = BenchLab(name: name, context: context, database: database!, server: server, relay: relay, directory: directory, certificate: certificate)
            let value = try await body(lab)
            server.interrupt()
            _ = await server.waitForExit(timeout: .seconds(10))
            await tearDown()
            return value
        } catch {
            await tearDown()
            throw error
        }
    }

    func namespace(_ node: String) -> String {
        switch node {
        case "internet": "nl-\(name)-inet"
        case let n where n.hasPrefix("home"): "nl-\(name)-h\(n.dropFirst(4))"
        default: "nl-\(name)-n\(node.dropFirst(9))"
        }
    }

    /// homeK is 10.0.K.2, neighbourK 10.0.K.3.
    static func address(_ node: String) -> String {
        node.hasPrefix("home") ? "10.0.\(node.dropFirst(4)).2" : "10.0.\(node.dropFirst(9)).3"
    }

    func clientArguments() -> [String] { ["--server", Self.serverURL, "--ca-file", certificate] }
    func clientEnvironment(_ user: String) -> [String: String] { ["JUICE_HOME": directory.appendingPathComponent("home-\(user)").path] }

    private func juice(_ node: String, _ arguments: [String], user: String) async throws {
        let result = try await ManagedProcess.run(Self.ip, ["netns", "exec", namespace(node), context.juice.path] + arguments + clientArguments(),
                                                  stdin: "\(BenchContext.password)\n", environment: clientEnvironment(user))
        guard result.status == 0 else { throw BenchError("juice \(arguments.prefix(2).joined(separator: " ")) (\(user)) failed: \(result.error)") }
    }

    /// Registers every user, and makes `hub` a buddy of each of the others.
    func setUp(users: [(name: String, node: String)], hub: String) async throws {
        for user in users { try await juice(user.node, ["register", user.name, "--password-stdin"], user: user.name) }
        let hubNode = users.first { $0.name == hub }!.node
        for user in users where user.name != hub {
            try await juice(hubNode, ["buddy", "add", user.name, "--user", hub, "--password-stdin"], user: hub)
            try await juice(user.node, ["buddy", "accept", hub, "--user", user.name, "--password-stdin"], user: user.name)
        }
    }

    /// `juice login USER --json` in `node`, listening on its LAN address, port 7000.
    func login(_ user: String, in node: String) throws -> ManagedProcess {
        let process = try ManagedProcess(Self.ip, ["netns", "exec", namespace(node), context.juice.path,
                                                   "login", user, "--json", "--password-stdin", "--no-camera", "--no-mic",
                                                   "--listen", "\(Self.address(node)):7000"] + clientArguments(),
                                         environment: clientEnvironment(user))
        process.send(BenchContext.password)
        return process
    }

    /// Ends a `juice login` (EOF on its input logs out) and waits for it, bounded.
    static func logOut(_ client: ManagedProcess) async throws {
        client.closeInput()
        guard await client.waitForExit(timeout: .seconds(20)) == 0 else {
            client.kill()
            throw BenchError("juice login did not log out cleanly: \(client.errorOutput.suffix(500))")
        }
    }

    /// CPU time (user + system) of a process so far, in seconds, from /proc/PID/stat.
    static func cpuSeconds(pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return .nan }
        // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// Where a client's `--json` events are read from: an index into its output, moved past each
/// event found, so a wait never scans (or parses) a line twice and never matches an old event.
final class EventCursor {
    let process: ManagedProcess
    private(set) var next: Int

    init(_ process: ManagedProcess, fromNow: Bool = true) {
        self.process = process
        next = fromNow ? process.lineCount : 0
    }

    /// Skips everything printed so far.
    func skipToEnd() { next = process.lineCount }

    /// Waits (bounded) for an event line of `type` that satisfies `predicate`; returns the parsed
    /// event and the moment its line was read. Lines are only parsed once their prefix matches.
    func wait(_ type: String, timeout: Duration = .seconds(30), where predicate: ([String: Any]) -> Bool = { _ in true }) async throws -> ([String: Any], ContinuousClock.Instant) {
        let deadline = ContinuousClock.now + timeout
        let marker = #""event":"\#(type)""#
        while true {
            for (offset, entry) in process.lines(from: next).enumerated() where entry.line.hasPrefix("{" + marker) || entry.line.contains(marker) {
                let object = (try? JSONSerialization.jsonObject(with: Data(entry.line.utf8))) as? [String: Any] ?? [:]
                if object["event"] as? String == type && predicate(object) {
                    next += offset + 1
                    return (object, entry.at)
                }
            }
            guard ContinuousClock.now < deadline else {
                throw BenchError("no \(type) event within \(timeout): \(process.output.suffix(5).map { $0.prefix(300) }) \(process.errorOutput.suffix(500))")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Waits (bounded) until `count` more lines beginning with `prefix` have arrived; returns the
    /// moment the last one was read. Nothing is parsed (for bursts of large messages).
    func count(prefix: String, _ count: Int, timeout: Duration) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + timeout
        var seen = 0
        while true {
            for entry in process.lines(from: next) {
                next += 1
                if entry.line.hasPrefix(prefix) {
                    seen += 1
                    if seen == count { return entry.at }
                } else if entry.line.hasPrefix(#"{"event":"error""#) {
                    throw BenchError("error while counting \(prefix): \(entry.line.prefix(300))")
                }
            }
            guard ContinuousClock.now < deadline else { throw BenchError("only \(seen) of \(count) \(prefix) lines within \(timeout)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
