import Foundation
import JuiceCore
import JuicePeer
import Logging
import ServiceLifecycle
import Sodium
import UnixSignals

/// `juice login`: binds the peer listener, goes online with one call, dials the buddies who are
/// online, chats with them directly, follows the rendezvous stream (``RendezvousKeeper``), and
/// on EOF, `/quit`, SIGINT or SIGTERM says goodbye to every buddy and logs out (one call).
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
    let history: HistoryLog?

    /// Creates a session; nothing happens until ``run()``. With `history`, messages sent and
    /// received and receipts are recorded in it, and `/history` reads it.
    public init(service: JuiceService, username: Username, keys: AccountKeys, options: Options, printer: EventPrinter, history: HistoryLog? = nil) {
        self.service = service
        self.username = username
        self.keys = keys
        self.options = options
        self.printer = printer
        self.history = history
    }

    /// This machine's prekey store, or nil (and an error event: the session goes on, but what
    /// waits sealed to a prekey stays on the server) when it cannot be opened.
    private func openPrekeys() -> PrekeyStore? {
        do {
            return try PrekeyStore.open(file: service.prekeyFile(for: username), key: try LocalKeys(keyEncryptionKey: keys.keyEncryptionKey).prekeys)
        } catch {
            printer.emit(.error("prekeys: \(error); messages left for you while offline stay on the server until it opens (after a password change on another machine: juice passwd --local-only)"))
            return nil
        }
    }

    /// Runs the session to its end: the peer network, the rendezvous keeper and the command reader
    /// as one ``ServiceGroup``. EOF or `/quit` on standard input, SIGINT or SIGTERM shut it down
    /// gracefully: the reader stops, then the rendezvous keeper, then the network says goodbye; then the
    /// logout. Throws if going online failed, or if logging in again failed (after the logout).
    public func run() async throws {
        let printer = self.printer, history = self.history
        let network = try PeerNetwork(
            username: username, presence: PeerPresence(capabilities: options.capabilities),
            stateDirectory: service.stateDirectory(for: username), keepalive: options.keepalive,
            emit: { history?.record($0); printer.emit(.peer($0)) }
        )
        let bound: Endpoint
        do {
            bound = try await network.listen(host: options.listenHost, port: options.listenPort)
        } catch {
            throw ServiceError(status: nil, message: "cannot listen on \(options.listenHost):\(options.listenPort): \(error)")
        }
        // Listening on every interface, buddies get the interfaces' addresses, the first as the endpoint.
        let hosts = HostCandidates.gather(listening: bound, serverIsLoopback: service.isLoopback)
        let endpoint = options.advertise ?? hosts.first?.address ?? bound
        if HostCandidates.isWildcard(endpoint) {
            await network.shutdown()
            throw ServiceError(status: nil, message: "listening on every interface, but none has a usable address; pass --advertise HOST:PORT")
        }
        let reachability = Reachability(
            listening: bound, hosts: hosts.filter { $0.address != endpoint }, network: network, printer: printer,
            cache: RelayAccessCache(directory: service.stateDirectory(for: username)), allowLoopback: service.isLoopback
        ) { [service] candidates in
            do {
                _ = try await service.renew(PresenceChange(candidates: candidates))
            } catch {
                printer.emit(.error("publishing our addresses failed: \(error)"))
            }
        }
        let prekeyFile = service.prekeyFile(for: username)
        let prekeysExisted = FileManager.default.fileExists(atPath: prekeyFile.path)
        let mailbox = MailboxCourier(service: service, printer: printer, prekeys: openPrekeys(), history: history)
        let login = SessionLogin(
            service: service, username: username, keys: keys, endpoint: endpoint, reachability: reachability, network: network, printer: printer,
            mailbox: mailbox
        )
        let online: SessionLogin.Online
        do {
            online = try await login.goOnline()
        } catch {
            // A store made for this login under a password the server refused would never open again.
            if !prekeysExisted, let refused = error as? ServiceError, refused.status == 401 { try? FileManager.default.removeItem(at: prekeyFile) }
            await reachability.close()
            await network.shutdown()
            throw error
        }
        let reader = CommandReader(context: SessionContext(service: service, network: network, printer: printer, history: history, mailbox: mailbox), lines: LineReader.standardInput())
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [
                .init(service: PeerNetworkService(network: network), serviceName: "peer network"),
                .init(service: ReachabilityService(reachability: reachability), serviceName: "reachability"),
                .init(service: RendezvousKeeper(login: login, online: online), failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "rendezvous keeper"),
                .init(service: reader, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "command reader"),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: Logger(label: "juice.session", factory: { _ in SwiftLogNoOpLogHandler() })
        ))
        var failure: (any Error)?
        do {
            try await group.run()
        } catch is ServiceGroupError {
            // A service ended on its own (none should): one line, not the group's dump.
            failure = ServiceError(status: nil, message: "the session stopped unexpectedly")
        } catch {
            failure = error
        }
        await login.goOffline()
        if let failure { throw failure }
    }
}
