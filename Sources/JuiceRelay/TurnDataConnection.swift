import NIOCore
import NIOPosix

/// An RFC 6062 data connection: a TCP connection to the TURN server on which a ConnectionBind
/// succeeded, and that now carries the peer's bytes, raw, both ways.
///
/// ## Running a protocol over it
///
/// Until ``start(_:)``, the pipeline holds only the ConnectionBind handler. It keeps every byte
/// that came after the success response, in the same read or later, and stops reading. `start`
/// runs `configure` on the event loop to add the caller's handlers (behind the ConnectionBind
/// handler), then removes the ConnectionBind handler: the new handlers get `channelActive` (as a
/// freshly connected channel would) and then the kept bytes, in order, before anything newer.
/// Finally reading resumes (`autoRead` on). So Juice's peer handlers run unchanged:
///
/// ```swift
/// let data = try await allocation.accept(attempt)
/// try await data.start { pipeline in
///     try pipeline.addHandler(PeerChannelHandler(...))
/// }
/// ```
///
/// `channel.remoteAddress` is the TURN server; the peer's address is ``peer``.
public final class TurnDataConnection: Sendable {
    /// The data connection's channel. Add handlers only through ``start(_:)``.
    public let channel: any Channel
    /// The peer at the other end of the relay (XOR-PEER-ADDRESS).
    public let peer: StunAddress
    /// The CONNECTION-ID the TURN server gave this connection.
    public let connectionID: UInt32

    private init(channel: any Channel, peer: StunAddress, connectionID: UInt32) {
        self.channel = channel
        self.peer = peer
        self.connectionID = connectionID
    }

    /// Connects to `server` and sends ConnectionBind(`connectionID`) authenticated with the
    /// allocation's credential and current nonce (coturn checks it against the control
    /// connection's session, and forgets the connection ID after any answer, so there is one try).
    static func open(
        server: StunAddress, connectionID: UInt32, peer: StunAddress, auth: TurnAuthentication,
        timeout: Duration, group: any EventLoopGroup
    ) async throws -> TurnDataConnection {
        let request = StunMessage(method: .connectionBind, class: .request, attributes: [.connectionID(connectionID)] + auth.attributes)
        let bytes = request.encoded(integrityKey: auth.key, fingerprint: true)
        let amount = TimeAmount(timeout)
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(amount)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ConnectionBindHandler(request: bytes, transactionID: request.transactionID, timeout: amount))
                }
            }
            .connect(to: SocketAddress(server)).get()
        do {
            let response = try await channel.eventLoop.flatSubmit {
                do {
                    return try channel.pipeline.syncOperations.handler(type: ConnectionBindHandler.self).response
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }.get()
            try response.message.requireSuccess()
            try auth.verify(response)
            return TurnDataConnection(channel: channel, peer: peer, connectionID: connectionID)
        } catch {
            try? await channel.close().get()
            throw error
        }
    }

    /// Hands the connection over: runs `configure` on the event loop to add the caller's handlers,
    /// removes the ConnectionBind handler (which delivers `channelActive` and the bytes it kept to
    /// them) and resumes reading. Call it once.
    public func start(_ configure: @escaping @Sendable (ChannelPipeline.SynchronousOperations) throws -> Void) async throws {
        let channel = channel
        try await channel.eventLoop.submit {
            let pipeline = channel.pipeline.syncOperations
            let bind = try pipeline.handler(type: ConnectionBindHandler.self)
            try configure(pipeline)
            pipeline.removeHandler(bind, promise: nil)
            try channel.syncOptions?.setOption(.autoRead, value: true)
        }.get()
    }

    /// Closes the data connection (the server then closes the peer's side).
    public func close() async {
        try? await channel.close().get()
    }
}

/// Sends a ConnectionBind when the channel is active and reads its response byte by byte from
/// the stream; afterwards keeps the bytes that follow, stops reading, and gives them to the
/// handlers behind it when removed (see ``TurnDataConnection/start(_:)``).
final class ConnectionBindHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum State { case waiting, bound, failed }

    private let request: [UInt8]
    private let transactionID: [UInt8]
    private let timeout: TimeAmount
    private var state = State.waiting
    private var buffer = ByteBuffer()
    private var promise: EventLoopPromise<StunResponse>?
    private var timer: Scheduled<Void>?

    /// The ConnectionBind response (success or error); failed on a malformed answer, a close or
    /// the timeout.
    private(set) var response: EventLoopFuture<StunResponse>!

    init(request: [UInt8], transactionID: [UInt8], timeout: TimeAmount) {
        self.request = request
        self.transactionID = transactionID
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let promise = context.eventLoop.makePromise(of: StunResponse.self)
        self.promise = promise
        response = promise.futureResult
    }

    func channelActive(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = bound.value
            handler.fail(context: context, StunError.timeout)
        }
        context.writeAndFlush(NIOAny(ByteBuffer(bytes: request)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        guard state == .waiting else { return }
        do {
            guard let header = buffer.getBytes(at: buffer.readerIndex, length: min(buffer.readableBytes, StunMessage.headerSize)),
                  let total = try StunMessage.frameLength(of: header),
                  let bytes = buffer.readBytes(length: total)
            else { return }
            let message = try StunMessage(decoding: bytes)
            guard message.transactionID == transactionID, message.method == .connectionBind,
                  message.messageClass == .successResponse || message.messageClass == .errorResponse
            else { throw StunError.malformed("not the ConnectionBind response") }
            timer?.cancel()
            if message.messageClass == .successResponse {
                state = .bound
                try? context.channel.syncOptions?.setOption(.autoRead, value: false)
                promise?.succeed(StunResponse(message: message, bytes: bytes))
            } else {
                state = .failed
                promise?.succeed(StunResponse(message: message, bytes: bytes))
                context.close(promise: nil)
            }
        } catch {
            fail(context: context, error)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Nothing behind us until the handover.
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(context: context, StunError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, error)
    }

    func removeHandler(context: ChannelHandlerContext, removalToken: ChannelHandlerContext.RemovalToken) {
        if state == .bound {
            context.fireChannelActive()
            if buffer.readableBytes > 0 {
                let kept = buffer
                buffer = ByteBuffer()
                context.fireChannelRead(wrapInboundOut(kept))
                context.fireChannelReadComplete()
            }
        }
        context.leavePipeline(removalToken: removalToken)
    }

    private func fail(context: ChannelHandlerContext, _ error: any Error) {
        timer?.cancel()
        guard state == .waiting else { return }
        state = .failed
        promise?.fail(error)
        context.close(promise: nil)
    }
}
