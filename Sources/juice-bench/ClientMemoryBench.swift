import AsyncHTTPClient
import Foundation
import JuiceCore
import JuicePeer
import JuiceTestSupport
import NIOCore
import Postgres
import Sodium

/// Figure 6 (client): the RSS of a real `juice login` holding a session with every one of its
/// buddies, who are simulated in this process by real peer networks.
enum ClientMemoryBench {
    static func run(_ context: BenchContext, report: Report) async throws {
        let count = context.quick ? 20 : 200
        try await context.withServer("client") { database, url in
            try await measure(context, database: database, url: url, count: count, report: report)
        }
    }

    private static func measure(_ context: BenchContext, database: TestDatabase, url: String, count: Int, report: Report) async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("juice-bench-client-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: home) }
        let registered = try await ManagedProcess.run(context.juice, ["register", "hub", "--password-stdin", "--server", url], stdin: "\(BenchContext.password)\n", environment: ["JUICE_HOME": home.path])
        guard registered.status == 0 else { throw BenchError("register hub: \(registered.error)") }

        // The buddies: real key pairs, inserted in bulk, each accepted by hub.
        let db = try PostgresConnection(database.configuration)
        let hubKey: [UInt8] = try db.query("SELECT public_key FROM accounts WHERE username = 'hub'").first!.decode("public_key")
        let hubName = try Username("hub")
        let keys = try (0..<count).map { _ in try BoxKeyPair.generate() }
        let verifier = try Population.verifier()
        for (index, key) in keys.enumerated() {
            try db.query("""
                WITH a AS (INSERT INTO accounts (username, verifier, verifier_salt, public_key, sealed_secret)
                           VALUES ('user' || $1::int, $2, $3, $4, $5) RETURNING id),
                     p AS (INSERT INTO presence_state (account_id) SELECT id FROM a)
                INSERT INTO buddies (requester_id, addressee_id, accepted_at)
                SELECT a.id, h.id, now() FROM a, accounts h WHERE h.username = 'hub'
                """, [index + 1, verifier, Population.salt, key.publicKey, Population.sealedSecret])
        }
        var networks: [(PeerNetwork, Task<Void, Never>)] = []
        for (index, key) in keys.enumerated() {
            let network = try PeerNetwork(username: try Username("user\(index + 1)"), presence: PeerPresence(capabilities: .none), stateDirectory: home.appendingPathComponent("user\(index + 1)")) { _ in }
            let endpoint = try await network.listen(host: "127.0.0.1", port: 0)
            var request = HTTPClientRequest(url: url + "/v1/sessions")
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"username":"user\#(index + 1)","realm":"juice","authKey":"\#(Population.authKeyBase64)","online":true,"endpoint":"\#(endpoint)"}"#))
            let response = try await context.http.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
            let peer = ((json?["lease"] as? [String: Any])?["peerId"] as? NSNumber)?.int64Value ?? 0
            await network.goOnline(identity: key, peerID: PeerID(rawValue: peer)!, buddies: [.init(username: hubName, publicKey: hubKey, peerID: .offline, endpoint: nil)])
            networks.append((network, Task { await network.run() }))
        }

        let alone = try ManagedProcess(context.juice, ["login", "hub", "--json", "--password-stdin", "--server", url, "--no-camera", "--no-mic"], environment: ["JUICE_HOME": home.path])
        alone.send(BenchContext.password)
        let deadline = ContinuousClock.now + .seconds(60)
        while alone.output.filter({ $0.contains(#""event":"online""#) }).count < count && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let sessions = alone.output.filter { $0.contains(#""event":"online""#) }.count
        try await Task.sleep(for: .milliseconds(300))
        let rss = BenchContext.residentMiB(pid: alone.pid)
        alone.closeInput()
        _ = await alone.waitForExit()
        for (network, task) in networks {
            await network.shutdown()
            await task.value
        }
        guard sessions == count else { throw BenchError("only \(sessions) of \(count) buddy sessions opened") }
        report.add(Section(title: "6b. Memory: client", figures: [
            Figure(name: "juice login RSS with \(count) buddy sessions open", value: rss, unit: "MiB"),
            Figure(name: "per session (RSS / sessions)", value: rss * 1024 / Double(count), unit: "KiB"),
        ], method: "VmRSS of a real `juice login` process once it reported all \(count) buddies online; the buddies are peer networks in the benchmark process, each with its own listener and key."))
    }
}
