import JuiceCore
import NIOCore

/// Carries out a ``PeerConnection``'s actions on a channel: writes frames, reports events,
/// answers pings, and runs the keepalive and the handshake deadline.
final class PeerChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = PeerFrame
    typealias OutboundOut = PeerFrame

    /// What a link reports to the network, in order.
    enum Event: Sendable {
        case opened(linkID: Int, handler: NIOLoopBound<PeerChannelHandler>)
        case established(linkID: Int, remoteStatic: [UInt8], remotePeerID: PeerID?, presence: PeerPresence, timestamp: UInt64)
        case received(linkID: Int, TransportMessage)
        case closed(linkID: Int, graceful: Bool, reason: String)
    }

    private var connection: PeerConnection
    private var pendingActions: [PeerConnection.Action]
    private let linkID: Int
    private let sink: @Sendable (Event) -> Void
    private let keepalive: KeepaliveSettings
    private let policy: AdmissionPolicy?
    private var lastHeard = NIODeadline.now()
    private var timer: RepeatedTask?
    private var handshakeDeadline: Scheduled<Void>?
    private var graceful = false
    private var closeReason = "connection lost"
    private var context: ChannelHandlerContext?
    private var flushScheduled = false

    /// How long a connection may take, from the moment it opens, to become an authenticated session.
    static let handshakeTimeout = TimeAmount.seconds(10)

    init(linkID: Int, connection: PeerConnection, initialActions: [PeerConnection.Action], keepalive: KeepaliveSettings, policy: AdmissionPolicy?, sink: @escaping @Sendable (Event) -> Void) {
        self.linkID = linkID
        self.connection = connection
        self.pendingActions = initialActions
        self.keepalive = keepalive
        self.policy = policy
        self.sink = sink
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        sink(.opened(linkID: linkID, handler: NIOLoopBound(self, eventLoop: context.eventLoop)))
    }

    func channelActive(context: ChannelHandlerContext) {
        lastHeard = .now()
        perform(pendingActions, context: context)
        pendingActions = []
        let interval = TimeAmount(keepalive.interval)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        handshakeDeadline = context.eventLoop.scheduleTask(in: Self.handshakeTimeout) { bound.value.handshakeTimedOut() }
        timer = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            bound.value.tick()
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        lastHeard = .now()
        if frame.kind == .m1, let policy, !policy.allowHandshake() {
            closeReason = HandshakeError.throttled.description
            context.close(promise: nil)
            return
        }
        perform(connection.receive(frame), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        handshakeDeadline?.cancel()
        sink(.closed(linkID: linkID, graceful: graceful, reason: closeReason))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        closeReason = error is WireError ? "\(error)" : "connection error"
        context.close(promise: nil)
    }

    /// Sends a transport message; must run on the channel's event loop. A goodbye closes the
    /// connection once it is written.
    func send(_ message: TransportMessage) {
        guard let context else { return }
        guard message == .goodbye else {
            perform(connection.send(message), context: context)
            return
        }
        graceful = true
        closeReason = "logged out"
        for case .send(let frame) in connection.send(.goodbye) {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        context.close(promise: nil)
    }

    /// One flush for every write made in this event-loop turn: a burst of messages costs one
    /// system call, not one each.
    private func scheduleFlush(_ context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            bound.value.flushScheduled = false
            bound.value.context?.flush()
        }
    }

    /// Closes without a goodbye (a replaced or refused session).
    func closeNow() {
        context?.close(promise: nil)
    }

    private func handshakeTimedOut() {
        guard let context, !connection.isEstablished else { return }
        closeReason = "handshake timed out"
        context.close(promise: nil)
    }

    private func tick() {
        guard let context, connection.isEstablished else { return } // the handshake has its own deadline
        let silence = NIODeadline.now() - lastHeard
        if silence > TimeAmount(keepalive.timeout) {
            closeReason = "keepalive timeout"
            context.close(promise: nil)
        } else {
            perform(connection.send(.ping), context: context)
        }
    }

    private func perform(_ actions: [PeerConnection.Action], context: ChannelHandlerContext) {
        for action in actions {
            switch action {
            case .send(let frame):
                context.write(wrapOutboundOut(frame), promise: nil)
                scheduleFlush(context)
            case let .established(remoteStatic, remotePeerID, presence, timestamp):
                handshakeDeadline?.cancel()
                sink(.established(linkID: linkID, remoteStatic: remoteStatic, remotePeerID: remotePeerID, presence: presence, timestamp: timestamp))
            case .received(.ping):
                perform(connection.send(.pong), context: context)
            case .received(.pong), .received(.hello):
                break
            case .received(let message):
                // A chat receipt goes straight back from the event loop, with no round trip
                // through the network actor; then the message is reported.
                if case .chat(let id, _) = message { perform(connection.send(.delivered(id)), context: context) }
                sink(.received(linkID: linkID, message))
            case let .close(graceful, reason):
                self.graceful = self.graceful || graceful
                closeReason = reason
                context.close(promise: nil)
            }
        }
    }
}

extension PeerChannelHandler {
    /// Installs framing and a handler for `connection` on a new channel (runs on its event loop).
    static func install(
        on channel: any Channel, linkID: Int, connection: PeerConnection, actions: [PeerConnection.Action],
        keepalive: KeepaliveSettings, policy: AdmissionPolicy?, sink: @escaping @Sendable (Event) -> Void
    ) -> EventLoopFuture<Void> {
        do {
            let handler = PeerChannelHandler(linkID: linkID, connection: connection, initialActions: actions, keepalive: keepalive, policy: policy, sink: sink)
            try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(PeerFrameDecoder()), MessageToByteHandler(PeerFrameEncoder()), handler])
            return channel.eventLoop.makeSucceededVoidFuture()
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
    }
}
