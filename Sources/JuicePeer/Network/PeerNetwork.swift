import Foundation
import JuiceCore
import Logging
import NIOCore
import NIOPosix
import Sodium
import Synchronization

/// The direct sessions with buddies: listens for buddies who come online later, dials the
/// ones already online, reports presence and chat as ``PeerEvent``s, and reconnects with backoff
/// after a lost connection while the buddy's lease may still be valid.
public actor PeerNetwork {
    /// An accepted buddy as the server describes them.
    public struct Buddy: Sendable, Equatable {
        public var username: Username
        public var publicKey: [UInt8]
        public var peerID: PeerID
        public var endpoint: Endpoint?

        public init(username: Username, publicKey: [UInt8], peerID: PeerID, endpoint: Endpoint?) {
            self.username = username
            self.publicKey = publicKey
            self.peerID = peerID
            self.endpoint = endpoint
        }
    }

    /// One connection, from the socket opening to its close.
    struct Link {
        var handler: NIOLoopBound<PeerChannelHandler>?
        var buddy: Username?
        let initiatedByMe: Bool
        var remotePeerID: PeerID?
        var established = false
        /// M1's timestamp, once established: the tie-break between two sessions one side dialled.
        var timestamp: UInt64 = 0
        /// The buddy's presence as last reported on this link.
        var presence: PeerPresence?

        func send(_ message: TransportMessage) {
            guard let handler else { return }
            handler.eventLoop.execute { handler.value.send(message) }
        }
    }

    var identity: BoxKeyPair?
    var trust: BuddyTrust?
    let username: Username
    let knownKeys: KnownKeys
    let policy: AdmissionPolicy
    let keepalive: KeepaliveSettings
    var retryWindow: Duration
    let emit: @Sendable (PeerEvent) -> Void
    var presence: PeerPresence
    var peerID: PeerID = .offline
    var buddies: [Username: Buddy] = [:]
    var blocked: Set<Username> = []
    var shared: Set<Username> = []
    var links: [Int: Link] = [:]
    var active: [Username: Int] = [:]
    var retries: [Username: Task<Void, Never>] = [:]
    var listener: (any Channel)?
    var shuttingDown = false
    let linkIDs = LinkIDs()
    let events: AsyncStream<PeerChannelHandler.Event>
    let sink: AsyncStream<PeerChannelHandler.Event>.Continuation

    /// Creates the network for `username`; state files (pins, replay guard) live in `stateDirectory`.
    public init(
        username: Username, presence: PeerPresence, stateDirectory: URL,
        keepalive: KeepaliveSettings = KeepaliveSettings(), retryWindow: Duration = .seconds(300),
        emit: @escaping @Sendable (PeerEvent) -> Void
    ) throws {
        self.username = username
        self.presence = presence
        self.knownKeys = try KnownKeys(directory: stateDirectory)
        self.policy = AdmissionPolicy(replayGuard: try ReplayGuard(file: stateDirectory.appendingPathComponent("replay.json")))
        self.keepalive = keepalive
        self.retryWindow = retryWindow
        self.emit = emit
        (events, sink) = AsyncStream.makeStream(of: PeerChannelHandler.Event.self)
        policy.update(identity: nil, peerID: .offline, buddies: [:], presence: presence)
    }

    /// Socket reads that grow to 1 MiB under load. NIO's default stops at 64 KiB, below one
    /// maximal frame, so each 64 KiB message took two reads and a merge (BENCHMARKS.md, chat).
    static let receiveAllocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 1 << 20)

    /// Binds the listener buddies dial; returns the bound endpoint.
    public func listen(host: String, port: Int) async throws -> Endpoint {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.recvAllocator, value: Self.receiveAllocator)
            .childChannelInitializer { [policy, keepalive, linkIDs, sink] channel in
                guard let identity = policy.identity else { return channel.close() } // not online yet
                let connection = PeerConnection.responder(localStatic: identity, presence: policy.presence, admission: policy.check)
                return PeerChannelHandler.install(
                    on: channel, linkID: linkIDs.next(), connection: connection, actions: [],
                    keepalive: keepalive, policy: policy, sink: { sink.yield($0) }
                )
            }
            .bind(host: host, port: port)
            .get()
        listener = channel
        guard let address = channel.localAddress, let ip = address.ipAddress, let port = address.port else {
            throw InvalidValue("the peer listener has no address")
        }
        return try Endpoint(host: ip, port: port)
    }

    /// Processes link events in order until ``shutdown()``.
    public func run() async {
        for await event in events { handle(event) }
    }

    /// Starts answering and dialling with our identity and new peer ID: pins the buddies' keys,
    /// then dials every buddy who is online.
    /// A lost buddy is redialled for `leaseSeconds`, as long as their lease may still be valid.
    public func goOnline(identity: BoxKeyPair, peerID: PeerID, buddies: [Buddy], leaseSeconds: Int? = nil) {
        if let leaseSeconds { retryWindow = .seconds(leaseSeconds) }
        self.identity = identity
        trust = BuddyTrust(username: username, identity: identity, pins: knownKeys)
        self.peerID = peerID
        update(buddies: buddies)
    }

    /// Replaces the buddy list (after a refresh or a change) and dials new arrivals. Buddies
    /// whose key changed since it was pinned, or whose key the server also states for someone
    /// else, are neither dialled nor admitted. A buddy no longer in the list is no longer
    /// admitted, and a live session with them ends at once: a goodbye, then the close (reported
    /// as `offline`, reason "removed").
    public func update(buddies list: [Buddy]) {
        var next: [Username: Buddy] = [:]
        // One write of the pin file for every first sight; a failed write leaves the new pins
        // in memory, and their buddies are treated as matching, as before.
        let (verdicts, _) = knownKeys.check(list.map { ($0.username, $0.publicKey) })
        shared = Set(SharedKeys.find(in: list.map { ($0.username, $0.publicKey) }, own: identity?.publicKey ?? []))
        var sharedWithPins: [String] = []
        for (buddy, verdict) in zip(list, verdicts) {
            next[buddy.username] = buddy
            if case .pinnedForAnother(let other) = verdict {
                shared.insert(buddy.username)
                sharedWithPins += [buddy.username.value, other]
            }
            switch verdict {
            case .changed:
                if !blocked.contains(buddy.username) {
                    blocked.insert(buddy.username)
                    emit(.keyChanged(buddy.username, safetyNumber: (try? trust?.safetyNumber(buddy.username, buddy.publicKey)) ?? "?"))
                }
            case .pinnedNow, .matches:
                blocked.remove(buddy.username)
            case .pinnedForAnother:
                break
            }
        }
        if !shared.isEmpty { emit(.error(SharedKeys.warning(Set(shared.map(\.value) + sharedWithPins).sorted()))) }
        buddies = next
        refreshPolicy()
        for name in Set(active.keys).union(retries.keys) where next[name] == nil { endSession(with: name) }
        for name in Set(active.keys).union(retries.keys) where distrusts(name) { endSession(with: name, reason: "key no longer trusted") }
        for buddy in list where buddy.peerID.isOnline { dial(buddy) }
    }

    /// Sends a chat message; throws a one-line reason when it cannot go now.
    public func send(text: String, to name: Username) throws -> MessageID {
        guard buddies[name] != nil else { throw InvalidValue("\(name) is not your buddy") }
        guard !shared.contains(name) else { throw InvalidValue(SharedKeys.warning([name.value])) }
        guard !blocked.contains(name) else { throw InvalidValue("\(name)'s key changed; compare /verify \(name), then /verify \(name) accept NUMBER") }
        guard let id = active[name], let link = links[id] else { throw InvalidValue("\(name) is offline") }
        guard !text.isEmpty else { throw InvalidValue("the message is empty") }
        guard text.utf8.count <= TransportMessage.maxTextBytes else {
            throw InvalidValue("the message is longer than \(TransportMessage.maxTextBytes) bytes")
        }
        let messageID = MessageID.random()
        link.send(.chat(id: messageID, text: text))
        return messageID
    }

    /// Our flags and status as buddies see them.
    public var currentPresence: PeerPresence { presence }

    /// Pushes new flags or status to every buddy session. Status text that buddies would refuse
    /// (``StatusText``: too long, or control characters) is refused here.
    public func publish(_ presence: PeerPresence) throws(InvalidValue) {
        _ = try StatusText.validate(presence.statusText)
        self.presence = presence
        refreshPolicy()
        for id in active.values { links[id]?.send(.presence(presence)) }
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
        blocked.remove(name)
        refreshPolicy()
        if buddy.peerID.isOnline { dial(buddy) }
        return report
    }

    private func trusted(_ name: Username) throws -> (Buddy, BuddyTrust) {
        guard let buddy = buddies[name] else { throw InvalidValue("\(name) is not an accepted buddy") }
        guard !shared.contains(name) else { throw InvalidValue(SharedKeys.warning([name.value])) }
        guard let trust else { throw InvalidValue("not online yet") }
        return (buddy, trust)
    }

    /// Says goodbye on every session, stops listening and ends ``run()``.
    public func shutdown() async {
        shuttingDown = true
        retries.values.forEach { $0.cancel() }
        retries.removeAll()
        for id in active.values { links[id]?.send(.goodbye) }
        try? await Task.sleep(for: .milliseconds(50)) // let the goodbyes reach the wire
        try? await listener?.close()
        for link in links.values { link.closeNow() }
        sink.finish()
    }

    func refreshPolicy() {
        var keys: [[UInt8]: Username] = [:]
        for buddy in buddies.values where !distrusts(buddy.username) { keys[buddy.publicKey] = buddy.username }
        policy.update(identity: identity, peerID: peerID, buddies: keys, presence: presence)
    }
}

/// Link numbers, unique within a process.
final class LinkIDs: Sendable {
    private let counter = Atomic<Int>(0)
    func next() -> Int { counter.add(1, ordering: .relaxed).newValue }
}
