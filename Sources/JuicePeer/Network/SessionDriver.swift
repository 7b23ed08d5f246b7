import Foundation
import JuiceCore
import NIOCore
import NIOPosix
import Sodium
import Synchronization

/// Carries out ``BuddySessions``' actions, and feeds it what the links report. The machine sits
/// behind a lock so that a link's event loop asks it directly (an M1's budget is checked before
/// any public-key work, with no hop); its reports go to `emit` in order, under the lock (so
/// `emit` must not block), and one timer wakes it at its next deadline.
final class SessionDriver: Sendable {
    private let sessions: Mutex<BuddySessions>
    private let handlers = Mutex<[BuddySessions.LinkID: NIOLoopBound<PeerChannelHandler>]>([:])
    private let timer = Mutex<(at: ContinuousClock.Instant, task: Scheduled<Void>)?>(nil)
    private let identityKeys = Mutex<BoxKeyPair?>(nil)
    private let listener = Mutex<(any Channel)?>(nil)
    private let finished: EventLoopPromise<Void>
    let replayGuard: ReplayGuard
    private let emit: @Sendable (PeerEvent) -> Void

    init(sessions: BuddySessions, replayGuard: ReplayGuard, emit: @escaping @Sendable (PeerEvent) -> Void) {
        self.sessions = Mutex(sessions)
        self.replayGuard = replayGuard
        self.emit = emit
        finished = MultiThreadedEventLoopGroup.singleton.any().makePromise()
    }

    /// Our identity, once online.
    var identity: BoxKeyPair? {
        get { identityKeys.withLock { $0 } }
        set { identityKeys.withLock { $0 = newValue } }
    }

    /// Runs one event on the machine and carries out what it asks. Reports leave inside the lock,
    /// so that they keep the machine's order; everything else is done after it. `rearm` when the
    /// event may have moved a deadline closer.
    @discardableResult
    func handle<Result>(rearm: Bool = true, _ event: (inout BuddySessions) throws -> (Result, [SessionAction])) rethrows -> Result {
        let (result, actions, wake) = try sessions.withLock { sessions in
            let (result, actions) = try event(&sessions)
            for case .report(let report) in actions { emit(report) }
            return (result, actions, rearm ? sessions.nextDeadline : nil)
        }
        actions.forEach(perform)
        if let wake { arm(at: wake) }
        return result
    }

    /// ``handle(rearm:_:)`` for an event that only asks for actions.
    func handle(rearm: Bool = true, _ event: (inout BuddySessions) -> [SessionAction]) {
        handle(rearm: rearm) { sessions -> ((), [SessionAction]) in ((), event(&sessions)) }
    }

    /// Reads the machine's state.
    func read<Value>(_ body: (BuddySessions) -> Value) -> Value { sessions.withLock { body($0) } }

    /// Reports something the machine does not decide (a warning about the buddy list).
    func report(_ event: PeerEvent) { sessions.withLock { _ in emit(event) } }

    /// Waits until the machine finished (every goodbye written, or its deadline passed).
    func waitUntilFinished() async { try? await finished.futureResult.get() }

    func listening(on channel: any Channel) { listener.withLock { $0 = channel } }

    // MARK: Links

    func register(_ id: BuddySessions.LinkID, _ handler: NIOLoopBound<PeerChannelHandler>) {
        handlers.withLock { $0[id] = handler }
    }

    /// A link's channel closed.
    func closed(_ id: BuddySessions.LinkID, graceful: Bool, reason: String) {
        handlers.withLock { $0[id] = nil }
        handle { $0.closed(id, graceful: graceful, reason: reason, now: .now) }
    }

    private func perform(_ action: SessionAction) {
        switch action {
        case let .dial(id, dial): self.dial(id, dial)
        case let .send(id, message): onLink(id) { $0.send(message) }
        case .sayGoodbye(let id): onLink(id) { $0.sayGoodbye() }
        case let .close(id, reason): onLink(id) { $0.close(reason: reason) }
        case .report: break // sent in order, inside the lock
        case let .recordReplay(key, timestamp): replayGuard.record(key: key, timestamp: timestamp)
        case .stopListening: listener.withLock { $0 }?.close(promise: nil)
        case .finish:
            timer.withLock { $0?.task.cancel(); $0 = nil }
            finished.succeed()
        }
    }

    /// Runs `body` on a link's handler, on its event loop (at once when already there).
    private func onLink(_ id: BuddySessions.LinkID, _ body: @escaping @Sendable (PeerChannelHandler) -> Void) {
        guard let handler = handlers.withLock({ $0[id] }) else { return }
        if handler.eventLoop.inEventLoop {
            body(handler.value)
        } else {
            handler.eventLoop.execute { body(handler.value) }
        }
    }

    /// Opens a connection to a buddy and starts the handshake as the initiator.
    private func dial(_ id: BuddySessions.LinkID, _ dial: BuddySessions.Dial) {
        let buddy = dial.buddy
        guard let identity else { return handle { $0.dialFailed(id, reason: "offline", now: .now) } }
        let endpoint = dial.target.address
        let connection: PeerConnection, start: [PeerConnection.Action]
        do {
            let handshake = try HandshakeInitiator(
                localStatic: identity, remoteStatic: buddy.publicKey, timestamp: WallClock.milliseconds(),
                initiatorPeerID: dial.localPeerID, responderPeerID: buddy.peerID, presence: dial.presence
            )
            (connection, start) = PeerConnection.initiator(
                handshake, localStatic: identity, remoteStatic: buddy.publicKey, presence: dial.presence, crossed: admission(on: id)
            )
        } catch {
            report(.error("cannot start a handshake with \(buddy.username): \(error)"))
            return handle { $0.dialFailed(id, reason: "\(error)", now: .now) }
        }
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .channelOption(.recvAllocator, value: PeerChannelHandler.handshakeAllocator)
            .channelInitializer { [self] channel in
                PeerChannelHandler.install(on: channel, linkID: id, connection: connection, actions: start, dialled: true, driver: self)
            }
        // A punch leaves from the listening port: its NAT mapping is the address the buddy holds
        // for us, and their SYN toward it meets ours (TCP simultaneous open). Other dials keep
        // ephemeral ports, so a redial to the same address never waits out a TIME_WAIT.
        if dial.target.kind == .srflx, let local = listener.withLock({ $0?.localAddress }) {
            bootstrap = bootstrap
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(.soReusePort), value: 1)
                .bind(to: local)
        }
        bootstrap
            .connect(host: endpoint.host, port: endpoint.port)
            .whenFailure { [self] _ in handle { $0.dialFailed(id, reason: "connection refused", now: .now) } }
    }

    /// Someone connected to the listener (or, with `path` relayed, to our relayed address): a
    /// handler for the handshake as the responder, or a close when the machine refuses the
    /// connection. Runs on the channel's event loop.
    func accept(_ channel: any Channel, path: SessionPath = .direct, source: String? = nil) -> EventLoopFuture<Void> {
        let source = source ?? SourceAddress.of(channel.remoteAddress)
        guard let identity else { return channel.close() } // not online yet
        let accepted = handle { sessions -> ((BuddySessions.LinkID, PeerPresence)?, [SessionAction]) in
            guard let (id, room) = sessions.accept(from: source, path: path, now: .now) else { return (nil, []) }
            return ((id, sessions.presence), room)
        }
        guard let (id, presence) = accepted else { return channel.close() }
        let connection = PeerConnection.responder(localStatic: identity, presence: presence, admission: admission(on: id))
        return PeerChannelHandler.install(on: channel, linkID: id, connection: connection, actions: [], dialled: false, driver: self)
    }

    /// The checks of an opened M1 on link `id`: the replay guard's, then the machine's.
    private func admission(on id: BuddySessions.LinkID) -> PeerConnection.Admission {
        { [self] hello in
            guard replayGuard.admits(key: hello.remoteStatic, timestamp: hello.timestamp, now: WallClock.milliseconds()) else { return .replayed }
            return handle(rearm: false) { ($0.admit(id, remoteStatic: hello.remoteStatic, responderPeerID: hello.responderPeerID), []) }
        }
    }

    // MARK: The timer

    /// Makes sure the machine is woken at `deadline` (or earlier).
    private func arm(at deadline: ContinuousClock.Instant) {
        timer.withLock { timer in
            if let armed = timer, armed.at <= deadline { return }
            timer?.task.cancel()
            let delay = max(.zero, deadline - .now)
            let task = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(delay)) { [self] in
                self.timer.withLock { $0 = nil }
                handle { $0.tick(now: .now) }
            }
            timer = (deadline, task)
        }
    }
}
