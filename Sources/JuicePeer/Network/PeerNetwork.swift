import Foundation
import JuiceCore
import Logging
import NIOCore
import NIOPosix
import Sodium

/// The direct sessions with buddies: listens for buddies who come online later, dials the ones
/// already online, and reports presence and chat as ``PeerEvent``s. What happens to each session
/// is decided by ``BuddySessions``; this actor holds the trust state (pins, safety numbers) and
/// hands the machine the buddy list and the user's requests.
public actor PeerNetwork {
    /// An accepted buddy as the server describes them.
    public typealias Buddy = BuddyContact

    let username: Username
    let knownKeys: KnownKeys
    var trust: BuddyTrust?
    let driver: SessionDriver

    /// Creates the network for `username`; state files (pins, replay guard) live in `stateDirectory`.
    public init(
        username: Username, presence: PeerPresence, stateDirectory: URL,
        keepalive: KeepaliveSettings = KeepaliveSettings(), retryWindow: Duration = .seconds(300),
        emit: @escaping @Sendable (PeerEvent) -> Void
    ) throws {
        try self.init(username: username, presence: presence, stateDirectory: stateDirectory, settings: SessionSettings(keepalive: keepalive, retryWindow: retryWindow), emit: emit)
    }

    /// Creates the network with every timing and limit of ``SessionSettings``. `emit` is called
    /// in order, under the sessions' lock: it must hand the event on, not block.
    public init(username: Username, presence: PeerPresence, stateDirectory: URL, settings: SessionSettings, emit: @escaping @Sendable (PeerEvent) -> Void) throws {
        self.username = username
        self.knownKeys = try KnownKeys(directory: stateDirectory)
        let replayGuard = try ReplayGuard(file: stateDirectory.appendingPathComponent("replay.json"))
        driver = SessionDriver(sessions: BuddySessions(username: username, presence: presence, settings: settings, now: .now), replayGuard: replayGuard, emit: emit)
    }

    /// Binds the listener buddies dial; returns the bound endpoint.
    public func listen(host: String, port: Int) async throws -> Endpoint {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Punches and the STUN Binding leave from this port too (docs/reachability.md 3.2).
            .serverChannelOption(.socketOption(.soReusePort), value: 1)
            .childChannelOption(.recvAllocator, value: PeerChannelHandler.handshakeAllocator)
            .childChannelInitializer { [driver] channel in driver.accept(channel) }
            .bind(host: host, port: port)
            .get()
        driver.listening(on: channel)
        guard let address = channel.localAddress, let ip = address.ipAddress, let port = address.port else {
            throw InvalidValue("the peer listener has no address")
        }
        return try Endpoint(host: ip, port: port)
    }

    /// Takes a connection a TURN relay handed us (a buddy dialled our relayed address,
    /// docs/reachability.md 5): from here on it is handled as one to our listener, with path
    /// `relayed`. Call it on the channel's event loop, where the relay's handlers hand the
    /// channel over (its bytes from then on are the buddy's); the peer handlers are added at the
    /// end of the pipeline. `peer` is the buddy's address as the relay saw it: the admission
    /// budget counts it (docs/protocol.md 4.8), not the relay's, which every relayed stranger
    /// shares.
    public nonisolated func acceptRelayed(_ channel: any Channel, peer: SocketAddress?) {
        channel.eventLoop.preconditionInEventLoop()
        try? channel.syncOptions?.setOption(.recvAllocator, value: PeerChannelHandler.handshakeAllocator)
        _ = driver.accept(channel, path: .relayed, source: SourceAddress.of(peer))
    }

    /// Returns once ``shutdown()`` has finished (events are reported as they happen).
    public func run() async {
        await driver.waitUntilFinished()
    }

    /// Starts answering and dialling with our identity and new peer ID: pins the buddies' keys,
    /// then dials every buddy who is online. A lost buddy is redialled for `leaseSeconds`, as
    /// long as their lease may still be valid.
    public func goOnline(identity: BoxKeyPair, peerID: PeerID, buddies: [Buddy], leaseSeconds: Int? = nil) {
        driver.identity = identity
        trust = BuddyTrust(username: username, identity: identity, pins: knownKeys)
        driver.handle { sessions -> [SessionAction] in
            sessions.goOnline(peerID: peerID, retryWindow: leaseSeconds.map { .seconds($0) }, now: .now)
            return []
        }
        update(buddies: buddies)
    }

    /// Replaces the buddy list (after a refresh or a change), with what the pins say of each key.
    /// Buddies whose key changed since it was pinned, or whose key the server also states for
    /// someone else, are neither dialled nor admitted. A buddy no longer in the list loses the
    /// live session at once: a goodbye, then the close (reported `offline`, reason "removed").
    public func update(buddies list: [Buddy]) {
        // First sights are pinned in memory at once and written by the state-file writer; a
        // failed write leaves the pins in memory (their buddies match) and is reported here once.
        let (verdicts, saveError) = knownKeys.check(list.map { ($0.username, $0.publicKey) })
        if let saveError { driver.report(.error("cannot save the pinned keys: \(saveError)")) }
        var shared = Set(SharedKeys.find(in: list.map { ($0.username, $0.publicKey) }, own: driver.identity?.publicKey ?? []))
        var named = shared.map(\.value)
        var entries: [(BuddyContact, KeyTrust)] = []
        for (buddy, verdict) in zip(list, verdicts) {
            switch verdict {
            case .pinnedForAnother(let other):
                shared.insert(buddy.username)
                named += [buddy.username.value, other]
            case .changed:
                let number = (try? trust?.safetyNumber(buddy.username, buddy.publicKey)) ?? "?"
                entries.append((buddy, shared.contains(buddy.username) ? .shared : .changed(safetyNumber: number)))
                continue
            case .pinnedNow, .matches:
                break
            }
            entries.append((buddy, shared.contains(buddy.username) ? .shared : .trusted))
        }
        if !shared.isEmpty { driver.report(.error(SharedKeys.warning(Set(named).sorted()))) }
        driver.handle { $0.update(buddies: entries, now: .now) }
    }

    /// Sends a chat message; throws a one-line reason when it cannot go now.
    public func send(text: String, to name: Username) throws -> MessageID {
        let id = MessageID.random()
        try driver.handle(rearm: false) { sessions throws -> ((), [SessionAction]) in
            ((), try sessions.send(text: text, id: id, to: name))
        }
        return id
    }

    /// Where a message to `name` would go now (docs/protocol.md 5: an offline buddy's waits on the server).
    public func route(to name: Username) -> MessageRoute { driver.read { $0.route(to: name) } }

    /// Whether the server now states another key for `name` than the pin (4.6).
    public func keyChanged(_ name: Username) -> Bool {
        if case .changed? = driver.read({ $0.keyTrust(name) }) { return true }
        return false
    }

    /// `name`'s pinned key, when what the server states matches it.
    public func trustedKey(of name: Username) -> [UInt8]? { driver.read { $0.trustedKey(of: name) } }

    /// Our flags and status as buddies see them.
    public var currentPresence: PeerPresence { driver.read(\.presence) }

    /// Which way the live session with each of `names` runs; nil for no session.
    public func paths(of names: [Username]) -> [Username: SessionPath] {
        driver.read { sessions in
            Dictionary(uniqueKeysWithValues: names.compactMap { name in sessions.path(of: name).map { (name, $0) } })
        }
    }

    /// Pushes new flags or status to every buddy session. Status text that buddies would refuse
    /// (``StatusText``: too long, or control characters) is refused here.
    public func publish(_ presence: PeerPresence) throws(InvalidValue) {
        _ = try StatusText.validate(presence.statusText)
        driver.handle(rearm: false) { $0.publish(presence) }
    }

    /// The safety number with a buddy's pinned key (and their new key's, if it changed).
    public func verify(_ name: Username) throws -> BuddyTrust.Report {
        let (buddy, trust) = try trusted(name)
        return try trust.verify(name, serverKey: buddy.publicKey)
    }

    /// Accepts a buddy's changed key if it gives the safety number the user compared: re-pins it
    /// and dials them if they are online.
    public func acceptKey(_ name: Username, compared: String) throws -> BuddyTrust.Report {
        let (buddy, trust) = try trusted(name)
        let report = try trust.verify(name, serverKey: buddy.publicKey, accept: compared)
        driver.handle { $0.keyAccepted(name, now: .now) }
        return report
    }

    private func trusted(_ name: Username) throws -> (Buddy, BuddyTrust) {
        let (buddy, keyTrust) = driver.read { ($0.buddy(name), $0.keyTrust(name)) }
        guard let buddy else { throw InvalidValue("\(name) is not an accepted buddy") }
        guard keyTrust != .shared else { throw InvalidValue(SharedKeys.warning([name.value])) }
        guard let trust else { throw InvalidValue("not online yet") }
        return (buddy, trust)
    }

    /// Says goodbye on every session and waits until each is written and closed (at most
    /// ``SessionSettings/goodbyeTimeout``); stops listening; waits until the pins and the replay
    /// state are on disk; then ``run()`` ends.
    public func shutdown() async {
        driver.handle { $0.leave(now: .now) }
        await driver.waitUntilFinished()
        do {
            try await knownKeys.flush()
            try await driver.replayGuard.flush()
        } catch {
            driver.report(.error("cannot save the client state: \(error)"))
        }
    }
}
