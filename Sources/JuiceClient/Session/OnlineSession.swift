import Foundation
import JuiceAPI
import JuiceCore
import Sodium

/// `juice login`: binds the peer listener, goes online with one call, reports the buddy list,
/// renews the lease at half its length, runs typed commands, and logs out (one call) on EOF,
/// `/quit`, SIGINT or SIGTERM.
public struct OnlineSession: Sendable {
    let service: JuiceService
    let username: Username
    let keys: AccountKeys
    let listen: (host: String, port: Int)
    let advertise: Endpoint?
    let capabilities: Capabilities
    let printer: EventPrinter

    /// Creates a session; nothing happens until ``run()``.
    public init(service: JuiceService, username: Username, keys: AccountKeys, listenHost: String, listenPort: Int, advertise: Endpoint?, capabilities: Capabilities, printer: EventPrinter) {
        self.service = service
        self.username = username
        self.keys = keys
        self.listen = (listenHost, listenPort)
        self.advertise = advertise
        self.capabilities = capabilities
        self.printer = printer
    }

    /// Runs the session to its end; throws only if going online failed.
    public func run() async throws {
        let listener = try await PeerListener.bind(host: listen.host, port: listen.port)
        do {
            let endpoint = try advertise ?? listener.endpoint
            let presence = PresenceAnnouncement(endpoint: endpoint, capabilities: capabilities)
            let lease = try await goOnline(presence)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await renewLoop(presence, leaseSeconds: lease) }
                group.addTask { await commandLoop(presence) }
                group.addTask { for await _ in TerminationSignals.stream() { return } }
                _ = try await group.next()
                group.cancelAll()
            }
            await logout()
        } catch {
            await listener.close()
            throw error
        }
        await listener.close()
    }

    /// The login call; reports `ready` and every buddy. Returns the lease length.
    private func goOnline(_ presence: PresenceAnnouncement) async throws -> Int {
        let response = try await service.login(username: username, keys: keys, presence: presence)
        // Opening the sealed identity proves the password and yields the key pair for peer sessions.
        let identity = try SealedIdentity(publicKey: Array(response.identity.publicKey.data), sealedSecret: Array(response.identity.sealedSecret.data))
        _ = try identity.open(keyEncryptionKey: keys.keyEncryptionKey)
        printer.emit(.ready(username: response.username, peerID: response.lease.peerId, endpoint: presence.endpoint.description, leaseSeconds: Int(response.lease.leaseSeconds)))
        response.buddies.forEach { printer.emit(.buddy($0)) }
        return Int(response.lease.leaseSeconds)
    }

    private func renewLoop(_ presence: PresenceAnnouncement, leaseSeconds: Int) async throws {
        var lease = leaseSeconds
        while !Task.isCancelled {
            try await Task.sleep(for: .seconds(max(1, lease / 2)))
            do {
                lease = Int(try await service.renew().leaseSeconds)
            } catch let error as ServiceError where error.status == 401 {
                printer.emit(.error("session expired or replaced; logging in again"))
                lease = try await goOnline(presence)
            } catch let error as ServiceError {
                printer.emit(.error("lease renewal failed: \(error.message); retrying"))
                lease = 10
            }
        }
    }

    private func commandLoop(_ presence: PresenceAnnouncement) async {
        for await line in LineReader.standardInput() {
            let command = SessionCommand(line: line)
            if command == .quit { return }
            do {
                try await perform(command)
            } catch {
                printer.emit(.error("\(error)"))
            }
        }
    }

    private func perform(_ command: SessionCommand) async throws {
        switch command {
        case .empty, .quit: break
        case .invalid(let reason): printer.emit(.error(reason))
        case .help: printer.emit(.info("commands: /msg NAME text, /to NAME, /buddies, /add NAME, /accept NAME, /remove NAME, /status online|away|busy [text], /caps camera=on|off mic=on|off, /verify NAME, /quit"))
        case .buddies: try await service.buddies().forEach { printer.emit(.buddy($0)) }
        case .add(let name): printer.emit(.buddy(try await service.requestBuddy(try Username(name))))
        case .accept(let name): printer.emit(.buddy(try await service.acceptBuddy(try Username(name))))
        case .remove(let name):
            try await service.removeBuddy(try Username(name))
            printer.emit(.info("\(name) removed"))
        case let .status(status, text):
            let lease = try await service.renew(.init(status: .init(rawValue: status.rawValue), statusText: try StatusText.validate(text)))
            printer.emit(.renewed(leaseSeconds: Int(lease.leaseSeconds)))
        case let .capabilities(camera, mic):
            let lease = try await service.renew(.init(camera: camera, mic: mic))
            printer.emit(.renewed(leaseSeconds: Int(lease.leaseSeconds)))
        case .message, .select, .say, .verify:
            printer.emit(.error("direct peer chat is not available in this version"))
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
