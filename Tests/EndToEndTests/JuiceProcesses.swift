import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import JuiceTestSupport
import Postgres
import Testing

/// A real `juiced` on a fresh database and port, plus helpers to run `juice` and `psql` against it.
struct JuiceProcesses {
    let database: TestDatabase
    /// The `juiced` running now: ``restartServer()`` replaces it.
    var server: ManagedProcess { running.withLock { $0 } }
    private let running: Locked<ManagedProcess>
    /// The options `juiced` was started with but `--port`, for a restart.
    private let serverArguments: [String]
    let url: String
    /// Where the test's clients keep their state (`JUICE_HOME`); removed by ``stop()``.
    let clientHome: String

    /// The PG* variables that point psql and juiced at the test database.
    var databaseEnvironment: [String: String] { database.clientEnvironment }

    static func start(leaseSeconds: Int = 300, extraArguments: [String] = [], scheme: String = "http", clientHome: String? = nil) async throws -> JuiceProcesses {
        let database = try await TestDatabase.create("e2e")
        let arguments = ["--lease-seconds", String(leaseSeconds)] + extraArguments
        do {
            let (server, address) = try await launchServer(port: 0, arguments: arguments, database: database, scheme: scheme)
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("juice-home-\(database.name)").path
            return JuiceProcesses(database: database, running: Locked(server), serverArguments: arguments, url: address, clientHome: clientHome ?? home)
        } catch {
            database.drop()
            throw error
        }
    }

    /// Starts `juiced` on `port` (0: one the OS picks) and waits until it listens; returns it
    /// and its URL. A `juiced` that exits or does not listen within 30 s is an error.
    private static func launchServer(port: Int, arguments: [String], database: TestDatabase, scheme: String) async throws -> (ManagedProcess, String) {
        let server = try ManagedProcess(Binaries.juiced, ["--port", String(port)] + arguments, environment: database.clientEnvironment)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let range = server.errorOutput.range(of: #"listening on \#(scheme)://127\.0\.0\.1:\d+"#, options: .regularExpression) {
                return (server, server.errorOutput[range].replacingOccurrences(of: "listening on ", with: ""))
            }
            if await server.waitForExit(timeout: .milliseconds(50)) != nil { break }
        }
        server.kill()
        throw ProcessTimeout(command: "juiced (\(server.errorOutput))")
    }

    /// Stops `juiced` with `signal` (by default kill -9, which closes nothing gracefully: its
    /// streams break, its instance's heartbeat stops), then, `down` later, starts a new `juiced`
    /// on the same port, database and options; returns once the new one listens. A `juiced`
    /// still running 10 s after the signal is killed, and that is an error.
    func restartServer(signal: Int32 = SIGKILL, down: Duration = .zero) async throws {
        let old = server
        Foundation.kill(old.pid, signal)
        guard await old.waitForExit(timeout: .seconds(10)) != nil else {
            old.kill()
            _ = await old.waitForExit(timeout: .seconds(10))
            throw ProcessTimeout(command: "juiced after signal \(signal) (\(old.errorOutput.suffix(2000)))")
        }
        try await Task.sleep(for: down)
        let port = try #require(URL(string: url)?.port)
        let scheme = try #require(URL(string: url)?.scheme)
        let (new, address) = try await Self.launchServer(port: port, arguments: serverArguments, database: database, scheme: scheme)
        running.withLock { $0 = new }
        #expect(address == url)
    }

    /// Runs `body` with a fresh service, and always stops it afterwards.
    static func with(
        leaseSeconds: Int = 300, extraArguments: [String] = [], scheme: String = "http", clientHome: String? = nil,
        _ body: (JuiceProcesses) async throws -> Void
    ) async throws {
        let juice = try await start(leaseSeconds: leaseSeconds, extraArguments: extraArguments, scheme: scheme, clientHome: clientHome)
        do {
            try await body(juice)
        } catch {
            await juice.stop()
            throw error
        }
        await juice.stop()
    }

    func stop() async {
        try? FileManager.default.removeItem(atPath: clientHome)
        server.interrupt()
        _ = await server.waitForExit(timeout: .seconds(10))
        database.drop()
    }

    /// Runs a `juice` command to completion.
    @discardableResult
    func juice(_ arguments: [String], stdin: String = "") async throws -> (status: Int32, output: String, error: String) {
        try await ManagedProcess.run(Binaries.juice, arguments + ["--server", url], stdin: stdin, environment: ["JUICE_HOME": clientHome])
    }

    /// Starts `juice login NAME --json` (without `--json` when `json` is false, as people run it)
    /// and sends the password; stdin stays open.
    /// `home` is another machine's client state (default: ``clientHome``).
    func login(_ name: String, password: String, _ extra: [String] = [], json: Bool = true, home: String? = nil) throws -> ManagedProcess {
        let process = try ManagedProcess(Binaries.juice, ["login", name] + (json ? ["--json"] : []) + ["--password-stdin", "--server", url] + extra, environment: ["JUICE_HOME": home ?? clientHome])
        process.send(password)
        return process
    }

    /// Runs SQL through the real `psql`, as an admin would; returns unaligned rows.
    func psql(_ sql: String) async throws -> [String] {
        let result = try await ManagedProcess.run(URL(fileURLWithPath: "/usr/bin/psql"), ["-X", "-At", "-F", "|", "-c", sql], environment: databaseEnvironment)
        #expect(result.status == 0, "psql failed: \(result.error)")
        return result.output.split(separator: "\n").map(String.init)
    }

    /// Total API requests served so far, from the service's own Prometheus counters,
    /// leaving out health, readiness and metrics scrapes.
    func requestCount() async throws -> Int {
        try await requestCounts().values.reduce(0, +)
    }

    /// API requests served so far (by this `juiced`: a restart starts from zero) by operation (the `operation` label: `login`, `renew`,
    /// `logout`, `resumeStream`, ...), whatever their status, leaving out health, readiness and
    /// metrics scrapes.
    func requestCounts() async throws -> [String: Int] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: url + "/metrics")!)
        return Self.requestCounts(metrics: String(decoding: data, as: UTF8.self))
    }

    /// The API requests counted in a Prometheus scrape, by operation, leaving out health,
    /// readiness and metrics scrapes.
    static func requestCounts(metrics: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in metrics.split(separator: "\n") where line.hasPrefix("juiced_requests_total{") {
            guard let range = line.range(of: #"operation="[^"]*""#, options: .regularExpression),
                  let count = line.split(separator: " ").last.flatMap({ Int($0) }) else { continue }
            let operation = String(line[range].dropFirst("operation=\"".count).dropLast())
            guard !["metrics", "health", "readiness"].contains(operation) else { continue }
            counts[operation, default: 0] += count
        }
        return counts
    }
}

/// The test users' password: libpwquality accepts it (a new password must pass its checks).
let testPassword = "Squeezed-Fresh-2026!"

/// Parses one `--json` event line.
func event(_ line: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
}

extension ManagedProcess {
    /// Waits for an event of `type` (and matching `where`), bounded.
    func waitForEvent(_ type: String, timeout: Duration = .seconds(30), where predicate: @escaping ([String: Any]) -> Bool = { _ in true }) async -> [String: Any]? {
        await waitForLine(timeout: timeout) { line in
            let e = event(line)
            return e["event"] as? String == type && predicate(e)
        }.map(event)
    }
}

extension JuiceProcesses {
    /// Registers users (password ``testPassword``) and makes the given pairs buddies.
    func setUp(users: [String], buddies: [(String, String)]) async throws {
        for user in users {
            let result = try await juice(["register", user, "--password-stdin"], stdin: "\(testPassword)\n")
            #expect(result.status == 0, "register \(user): \(result.error)")
        }
        for (a, b) in buddies {
            #expect(try await juice(["buddy", "add", b, "--user", a, "--password-stdin"], stdin: "\(testPassword)\n").status == 0)
            #expect(try await juice(["buddy", "accept", a, "--user", b, "--password-stdin"], stdin: "\(testPassword)\n").status == 0)
        }
    }
}
