import JuiceCore
import NIOCore

/// Carries out a ``PeerConnection``'s actions on one channel and reports what happens on it to
/// the ``SessionDriver``: frames written, sessions established, messages received, the close.
/// It decides nothing about the session: deadlines, keepalive and budgets are ``BuddySessions``'.
final class PeerChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = PeerFrame
    typealias OutboundOut = PeerFrame

    /// Reads while a connection is not authenticated: no handshake frame needs more than 2 KiB,
    /// so a stranger's connection holds at most one frame and one small read.
    static let handshakeAllocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 2048)
    /// Socket reads that grow to 1 MiB under load, once authenticated. NIO's default stops at
    /// 64 KiB, below one maximal frame, so each 64 KiB message took two reads and a merge.
    static let sessionAllocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 1 << 20)

    private var connection: PeerConnection
    private var pendingActions: [PeerConnection.Action]
    private let linkID: BuddySessions.LinkID
    private let dialled: Bool
    private let driver: SessionDriver
    private var graceful = false
    private var saidGoodbye = false
    private var closeReason = "connection lost"
    private var context: ChannelHandlerContext?
    private var flushScheduled = false

    init(linkID: BuddySessions.LinkID, connection: PeerConnection, initialActions: [PeerConnection.Action], dialled: Bool, driver: SessionDriver) {
        self.linkID = linkID
        self.connection = connection
        self.pendingActions = initialActions
        self.dialled = dialled
        self.driver = driver
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        // Registered once connected: a connect that fails (or loses a Happy Eyeballs race)
        // never leaves a handler, or its handshake's secrets, behind.
        driver.register(linkID, NIOLoopBound(self, eventLoop: context.eventLoop))
        if dialled { driver.handle { [linkID] in $0.connected(linkID, now: .now) } }
        perform(pendingActions, context: context)
        pendingActions = []
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !saidGoodbye else { return } // after our goodbye, read until the other side closes, and drop it
        let frame = unwrapInboundIn(data)
        if frame.kind == .m1, !driver.handle(rearm: false, { [linkID] in ($0.admitsHandshake(on: linkID, now: .now), []) }) {
            return close(reason: HandshakeError.throttled.description)
        }
        perform(connection.receive(frame), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        driver.closed(linkID, graceful: graceful, reason: closeReason)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close(reason: error is WireError ? "\(error)" : "connection error")
    }

    /// Sends a transport message; must run on the channel's event loop.
    func send(_ message: TransportMessage) {
        guard let context else { return }
        perform(connection.send(message), context: context)
    }

    /// Sends a goodbye behind whatever was queued before it, then closes our half once it is
    /// written, and the rest when the buddy closes theirs (or at the machine's deadline). A full
    /// close with their receipts still unread would reset the connection, and the buddy would
    /// lose what their socket had not yet handed them, the goodbye included.
    func sayGoodbye() {
        guard let context else { return }
        graceful = true
        saidGoodbye = true
        closeReason = "logged out"
        for case .send(let frame) in connection.send(.goodbye) {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in
                channel.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
            }
            return
        }
        context.close(promise: nil)
    }

    /// Closes without a goodbye.
    func close(reason: String) {
        closeReason = reason
        context?.close(promise: nil)
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

    private func perform(_ actions: [PeerConnection.Action], context: ChannelHandlerContext) {
        for action in actions {
            switch action {
            case .send(let frame):
                context.write(wrapOutboundOut(frame), promise: nil)
                scheduleFlush(context)
            case let .established(remoteStatic, remotePeerID, presence, timestamp):
                try? context.channel.syncOptions?.setOption(.recvAllocator, value: Self.sessionAllocator)
                driver.handle { [linkID] in
                    $0.established(linkID, remoteStatic: remoteStatic, remotePeerID: remotePeerID, presence: presence, timestamp: timestamp, now: .now)
                }
            case .received(let message):
                driver.handle(rearm: false) { [linkID] in $0.received(message, on: linkID, now: .now) }
            case let .close(graceful, reason):
                self.graceful = self.graceful || graceful
                close(reason: reason)
            }
        }
    }
}

extension PeerChannelHandler {
    /// Installs framing and a handler for `connection` on a new channel (runs on its event loop).
    static func install(
        on channel: any Channel, linkID: BuddySessions.LinkID, connection: PeerConnection, actions: [PeerConnection.Action],
        dialled: Bool, driver: SessionDriver
    ) -> EventLoopFuture<Void> {
        do {
            let handler = PeerChannelHandler(linkID: linkID, connection: connection, initialActions: actions, dialled: dialled, driver: driver)
            try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(PeerFrameDecoder()), MessageToByteHandler(PeerFrameEncoder()), handler])
            return channel.eventLoop.makeSucceededVoidFuture()
        } catch {
            driver.closed(linkID, graceful: false, reason: "connection error")
            return channel.eventLoop.makeFailedFuture(error)
        }
    }
}
