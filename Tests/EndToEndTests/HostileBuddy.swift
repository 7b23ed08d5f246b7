import Foundation
import JuiceClient
import JuiceCore
import JuicePeer
import JuiceTestSupport
import Sodium

/// A buddy built from Juice's own client libraries that sends what `juice` never would (a line
/// break inside a message, say): it logs in with its real password and key, and speaks through a
/// real peer network on loopback.
struct HostileBuddy {
    let name: Username
    let network: PeerNetwork
    let events: Locked<[PeerEvent]>

    /// Logs `name` in at `server`, runs `body` with the buddy online, then says goodbye and logs out.
    static func with(_ name: String, password: String, server: String, _ body: (HostileBuddy) async throws -> Void) async throws {
        let username = try Username(name)
        let service = JuiceService(address: try ServerAddress(url: URL(string: server)!, realm: .default))
        let keys = try AccountKeys.derive(password: SecretBytes(Array(password.utf8)), username: username, realm: .default)
        let events = Locked<[PeerEvent]>([])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let network = try PeerNetwork(
            username: username, presence: PeerPresence(capabilities: .none), stateDirectory: directory,
            keepalive: KeepaliveSettings(interval: .seconds(1), timeout: .seconds(3)),
            emit: { event in events.withLock { $0.append(event) } }
        )
        let endpoint = try await network.listen(host: "127.0.0.1", port: 0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await network.run() }
            var failure: (any Error)?
            do {
                let response = try await service.login(username: username, keys: keys, presence: PresenceAnnouncement(endpoint: endpoint, capabilities: .none))
                await network.goOnline(
                    identity: try response.openIdentity(with: keys), peerID: response.lease.peerID,
                    buddies: response.buddies.compactMap { PeerNetwork.Buddy($0, allowLoopback: true) }
                )
                try await body(HostileBuddy(name: username, network: network, events: events))
            } catch {
                failure = error
            }
            await network.shutdown()
            try? await service.logout()
            try await group.waitForAll()
            if let failure { throw failure }
        }
    }

    /// Waits (at most `timeout`, polling every 20 ms) until `buddy` is online.
    func waitUntilOnline(_ buddy: String, timeout: Duration = .seconds(20)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if events.withLock({ $0.contains { if case .online(let name, _, _, _, _) = $0 { name.value == buddy } else { false } } }) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
