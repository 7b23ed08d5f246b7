import Foundation
import JuiceAPI
import JuiceCore
import JuicePeer
import Sodium

/// `juice login`: binds the peer listener, goes online with one call, dials the buddies who are
/// online, chats with them directly, renews the lease at half its length, and on EOF, `/quit`,
/// SIGINT or SIGTERM says goodbye to every buddy and logs out (one call).
public struct OnlineSession: Sendable {
    /// How the session is set up.
    public struct Options: Sendable {
        public var listenHost: String
        public var listenPort: Int
        public var advertise: Endpoint?
        public var capabilities: Capabilities
        public var keepalive: KeepaliveSettings

        public init(listenHost: String, listenPort: Int, advertise: Endpoint?, capabilities: Capabilities, keepalive: KeepaliveSettings = KeepaliveSettings()) {
            self.listenHost = listenHost
            self.listenPort = listenPort
            self.advertise = advertise
            self.capabilities = capabilities
            self.keepalive = keepalive
        }
    }

    let service: JuiceService
    let username: Username
    let keys: AccountKeys
    let options: Options
    let printer: EventPrinter

    /// Creates a session; nothing happens until ``run()``.
    public init(service: JuiceService, username: Username, keys: AccountKeys, options: Options, printer: EventPrinter) {
        self.service = service
        self.username = username
        self.keys = keys
        self.options = options
        self.printer = printer
    }

    /// Runs the session to its end; throws only if going online failed.
    public func run() async throws {
        let printer = self.printer
        let network = try PeerNetwork(
            username: username, presence: PeerPresence(capabilities: options.capabilities),
            stateDirectory: service.stateDirectory(for: username), keepalive: options.keepalive,
            emit: { printer.emit(.peer($0)) }
        )
        let endpoint: Endpoint
        do {
            let bound = try await network.listen(host: options.listenHost, port: options.listenPort)
            endpoint = options.advertise ?? bound
        } catch {
            throw ServiceError(status: nil, message: "cannot listen on \(options.listenHost):\(options.listenPort): \(error)")
        }
        let context = SessionContext(service: service, network: network, printer: printer)
        do {
            let lease = try await goOnline(endpoint, network: network)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await network.run() }
                group.addTask {
                    await withTaskGroup(of: Void.self) { inner in
                        inner.addTask { try? await renewLoop(endpoint, leaseSeconds: lease, network: network) }
                        inner.addTask { await context.commandLoop() }
                        inner.addTask { for await _ in TerminationSignals.stream() { return } }
                        await inner.next()
                        inner.cancelAll()
                    }
                    await network.shutdown()
                }
            }
        } catch {
            await network.shutdown()
            throw error
        }
        await logout()
    }

    /// The login call; reports `ready` and every buddy, and hands the buddies to the network.
    private func goOnline(_ endpoint: Endpoint, network: PeerNetwork) async throws -> Int {
        let current = await network.currentPresence
        let presence = PresenceAnnouncement(endpoint: endpoint, capabilities: current.capabilities, status: current.status, statusText: current.statusText)
        let response = try await service.login(username: username, keys: keys, presence: presence)
        let identity: BoxKeyPair
        do {
            identity = try response.openIdentity(with: keys)
        } catch {
            // Buddies must not see us online with a key we do not hold: go offline at once.
            try? await service.logout()
            throw ServiceError(status: nil, message: "\(error); logged out again")
        }
        printer.emit(.ready(username: response.username, peerID: response.lease.peerId, endpoint: presence.endpoint.description, leaseSeconds: Int(response.lease.leaseSeconds)))
        response.buddies.forEach { printer.emit(.buddy($0)) }
        await network.goOnline(identity: identity, peerID: PeerID(rawValue: response.lease.peerId) ?? .offline, buddies: response.buddies.compactMap(PeerNetwork.Buddy.init), leaseSeconds: Int(response.lease.leaseSeconds))
        return Int(response.lease.leaseSeconds)
    }

    private func renewLoop(_ endpoint: Endpoint, leaseSeconds: Int, network: PeerNetwork) async throws {
        var lease = leaseSeconds
        while !Task.isCancelled {
            try await Task.sleep(for: .seconds(max(1, lease / 2)))
            do {
                lease = Int(try await service.renew().leaseSeconds)
            } catch let error as ServiceError where error.status == 401 {
                printer.emit(.error("session expired or replaced; logging in again"))
                lease = try await goOnline(endpoint, network: network)
            } catch let error as ServiceError {
                printer.emit(.error("lease renewal failed: \(error.message); retrying"))
                lease = 10
            }
        }
    }

    private func logout() async {
        do {
            try await service.logout()
        } catch let error as ServiceError where error.status == 401 {
            // Already offline: the lease lapsed or another login replaced this one.
        } catch {
            printer.emit(.error("logout failed: \(error)"))
        }
        printer.emit(.loggedOut(username: username.value))
    }
}

extension PeerNetwork.Buddy {
    /// An accepted buddy from the server's list (others have no key to dial with).
    public init?(_ entry: Components.Schemas.Buddy) {
        guard entry.relation == .accepted, let key = entry.publicKey, key.data.count == BoxKeyPair.publicKeyLength, let name = try? Username(entry.username) else { return nil }
        self.init(
            username: name, publicKey: Array(key.data), peerID: PeerID(rawValue: entry.peerId) ?? .offline,
            endpoint: entry.endpoint.flatMap { try? Endpoint($0) }
        )
    }
}
