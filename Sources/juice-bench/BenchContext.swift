import AsyncHTTPClient
import Foundation
import JuiceTestSupport
import NIOCore

/// What every benchmark needs: the binaries, the PostgreSQL server (from the PG* variables),
/// sizes for quick or full mode, and an HTTP client.
struct BenchContext: Sendable {
    let quick: Bool
    let binaries: URL
    let runs: Int
    let http: HTTPClient

    /// The password of users the benchmarks register through `juice` (libpwquality accepts it).
    static let password = "Squeezed-Fresh-2026!"

    var juiced: URL { binaries.appendingPathComponent("juiced") }
    var juice: URL { binaries.appendingPathComponent("juice") }

    /// Creates an empty, migrated database (on the PG* server; `juiced migrate` makes the schema).
    func freshDatabase(_ label: String) async throws -> TestDatabase {
        let database = try await TestDatabase.create("bench\(label)")
        let result = try await ManagedProcess.run(juiced, ["migrate", "--log-level", "error"], environment: ["PGDATABASE": database.name])
        guard result.status == 0 else { throw BenchError("juiced migrate failed: \(result.error)") }
        return database
    }

    /// Starts juiced on `database`; returns the process and its base URL.
    func startServer(database: TestDatabase, extra: [String] = []) async throws -> (ManagedProcess, String) {
        let server = try ManagedProcess(juiced, ["--port", "0", "--log-level", "notice", "--pool-size", "8"] + extra, environment: ["PGDATABASE": database.name])
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let range = server.errorOutput.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) {
                return (server, String(server.errorOutput[range]))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        server.kill()
        throw BenchError("juiced did not start: \(server.errorOutput)")
    }

    /// Runs `body` with juiced on a fresh database; always stops the server and drops the database.
    func withServer<T>(_ label: String, extra: [String] = [], _ body: (TestDatabase, String) async throws -> T) async throws -> T {
        let database = try await freshDatabase(label)
        defer { database.drop() }
        let (server, url) = try await startServer(database: database, extra: extra)
        do {
            let value = try await body(database, url)
            await stopServer(server)
            return value
        } catch {
            await stopServer(server)
            throw error
        }
    }

    func stopServer(_ server: ManagedProcess) async {
        server.interrupt()
        _ = await server.waitForExit(timeout: .seconds(10))
    }

    /// API requests served so far (health, readiness and metrics left out).
    func requestCount(_ url: String) async throws -> Int {
        let response = try await http.execute(HTTPClientRequest(url: url + "/metrics"), timeout: .seconds(10))
        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        return body.split(separator: "\n")
            .filter { line in line.hasPrefix("juiced_requests_total{") && !["metrics", "health", "readiness"].contains { line.contains("operation=\"\($0)\"") } }
            .compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
            .reduce(0, +)
    }

    /// Resident memory of a process in MiB.
    static func residentMiB(pid: Int32) -> Double {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
