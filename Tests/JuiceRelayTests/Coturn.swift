import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import JuiceRelay

/// A real coturn `turnserver`, run in the foreground as a child of the test process on
/// 127.0.0.1, with the TURN REST secret (`use-auth-secret`) and loopback peers allowed.
final class Coturn: Sendable {
    let port: Int
    let secret: String
    let realm = "juice.test"
    let directory: URL
    let process: Process

    var address: StunAddress { StunAddress(host: "127.0.0.1", port: UInt16(port))! }

    /// A credential for `user` valid for an hour, from the right secret (or from `secret`).
    func credentials(user: String = "user\(Int.random(in: 0..<1_000_000))", secret: String? = nil) -> TurnCredentials {
        TurnCredentials(sharedSecret: secret ?? self.secret, user: user, expiry: Int(Date().timeIntervalSince1970) + 3600)
    }

    private init(port: Int, secret: String, directory: URL, process: Process) {
        self.port = port
        self.secret = secret
        self.directory = directory
        self.process = process
    }

    /// Starts turnserver on a free port and waits (at most 10 s) until it accepts TCP.
    static func start() async throws -> Coturn {
        guard let binary = ["/usr/bin/turnserver", "/usr/local/bin/turnserver"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw CoturnError("turnserver is not installed (Debian package coturn)")
        }
        var lastError: any Error = CoturnError("not started")
        for _ in 0..<3 {
            let port = try freePort()
            let relayBase = 20_000 + Int.random(in: 0..<300) * 100
            let secret = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("juice-coturn-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = [
                "-n", "--listening-ip", "127.0.0.1", "--relay-ip", "127.0.0.1", "--listening-port", "\(port)",
                "--use-auth-secret", "--static-auth-secret", secret, "--realm", "juice.test",
                "--no-tls", "--no-dtls", "--no-cli", "--no-rfc5780", "--allow-loopback-peers",
                "--min-port", "\(relayBase)", "--max-port", "\(relayBase + 99)",
                "--log-file", "stdout", "--simple-log",
                "--pidfile", directory.appendingPathComponent("turnserver.pid").path,
                "--db", directory.appendingPathComponent("turndb.sqlite").path,
            ]
            let log = directory.appendingPathComponent("turnserver.log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            let server = Coturn(port: port, secret: secret, directory: directory, process: process)
            if await server.waitUntilListening(within: .seconds(10)) { return server }
            lastError = CoturnError("turnserver did not listen on \(port): \((try? String(contentsOf: log, encoding: .utf8))?.suffix(2000) ?? "")")
            server.stop()
        }
        throw lastError
    }

    private func waitUntilListening(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline, process.isRunning {
            if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(500)).connect(host: "127.0.0.1", port: port).get() {
                try? await channel.close().get()
                // The listener is up; give the relay threads a moment to finish initialising.
                try? await Task.sleep(for: .milliseconds(200))
                return true
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Stops turnserver (SIGTERM to its PID, SIGKILL after 5 s) and removes its directory.
    func stop() {
        let pid = process.processIdentifier
        if process.isRunning { kill(pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(pid, SIGKILL); usleep(100_000) }
        try? FileManager.default.removeItem(at: directory)
    }

    /// The server's log so far (for failure messages).
    var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("turnserver.log"), encoding: .utf8)) ?? ""
    }

    /// Runs `body` with a fresh server, stopped afterwards whatever happens.
    static func with<T>(_ body: (Coturn) async throws -> T) async throws -> T {
        let server = try await start()
        do {
            let result = try await body(server)
            server.stop()
            return result
        } catch {
            print("turnserver log tail:\n\(server.log.suffix(3000))")
            server.stop()
            throw error
        }
    }
}

struct CoturnError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A TCP port nobody listens on now (bound to 0 and released).
func freePort() throws -> Int {
    let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
    defer { try? channel.close().wait() }
    guard let port = channel.localAddress?.port else { throw CoturnError("no port") }
    return port
}

/// Runs `body`, failing with `TimeoutError` after `limit`.
func withTimeout<T: Sendable>(_ limit: Duration = .seconds(10), _ what: String = "operation", _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw CoturnError("\(what) took longer than \(limit)")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
