import Foundation
import JuiceTestSupport
import Testing

/// The NAT lab (``NetLab``) as the end-to-end tests use it: with the test binaries, the test
/// users' password, and expectations on every step.
extension NetLab {
    /// Whether the lab can run here: as root (`Ops/netlab` installs what else it needs). A lab
    /// test without root fails when `CI` is set (CI runs as root) and is skipped otherwise.
    static var available: Bool { getuid() == 0 || ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Builds a lab (home 3 symmetric when `symmetricHome3`) on a fresh database, runs `body`,
    /// and always takes the lab down.
    static func with(symmetricHome3: Bool = false, _ body: (NetLab) async throws -> Void) async throws {
        let lab = try await up(prefix: "t", symmetricHome3: symmetricHome3, database: try await TestDatabase.create("lab"), juiced: Binaries.juiced)
        do {
            try await body(lab)
        } catch {
            await lab.down()
            throw error
        }
        await lab.down()
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
        let result = try await ManagedProcess.run(URL(fileURLWithPath: "/usr/bin/psql"), ["-X", "-At", "-c", sql], environment: database.clientEnvironment)
        try #require(result.status == 0, "psql: \(result.error)")
        return result.output.split(separator: "\n").map(String.init)
    }

    /// juiced's API requests so far, by operation (its Prometheus counters, read from the lab's internet).
    func requestCounts() async throws -> [String: Int] {
        let scrape = try await run("internet", URL(fileURLWithPath: "/usr/bin/curl"), ["-fsS", "--cacert", certificate, Self.serverURL + "/metrics"])
        try #require(scrape.status == 0, "metrics: \(scrape.error)")
        return JuiceProcesses.requestCounts(metrics: scrape.output)
    }

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
