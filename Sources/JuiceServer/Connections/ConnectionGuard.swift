import Logging
import NIOCore
import NIOHTTPTypes

/// Enforces ``ConnectionLimits`` on one HTTP/1.1 connection: closes it at once when too many are
/// open, and closes it when a deadline of ``ConnectionDeadlines`` passes. Sits after the HTTP
/// decoder, where it sees request parts, and still learns of every read through
/// `channelReadComplete`, which the decoder passes on even when the bytes completed nothing.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var deadlines: ConnectionDeadlines
    private let connections: OpenConnections
    private let logger: Logger
    private var admitted = false
    private var started = false
    private var timer: Scheduled<Void>?

    /// A guard for one new connection.
    init(limits: ConnectionLimits, connections: OpenConnections, logger: Logger) {
        deadlines = ConnectionDeadlines(limits: limits)
        self.connections = connections
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        apply(.disarm, context)
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        apply(.disarm, context)
        if admitted {
            admitted = false
            connections.release()
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: apply(deadlines.headRead(), context)
        case .body: break
        case .end: apply(deadlines.requestRead(), context)
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        apply(deadlines.readCompleted(), context)
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { apply(deadlines.responseWritten(), context) }
        context.write(data, promise: promise)
    }

    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        admitted = connections.admit()
        guard admitted else {
            // The first refusal and every 1000th after it: a flood of them must not flood the log.
            let refused = connections.refuse()
            if refused % 1000 == 1 {
                logger.warning("connections closed at once: too many open", metadata: ["limit": "\(connections.limit)", "closed": "\(refused)"])
            }
            context.close(promise: nil)
            return
        }
        apply(deadlines.opened(), context)
    }

    private func apply(_ action: ConnectionDeadlines.Timer, _ context: ChannelHandlerContext) {
        switch action {
        case .keep:
            return
        case .disarm:
            timer?.cancel()
            timer = nil
        case .arm(let timeout):
            timer?.cancel()
            let phase = deadlines.phase
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [logger] in
                logger.debug("closing a connection that missed its deadline", metadata: ["phase": "\(phase)"])
                context.close(promise: nil)
            }
        }
    }
}
