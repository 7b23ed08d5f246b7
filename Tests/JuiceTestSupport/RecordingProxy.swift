import NIOCore
import NIOPosix
import Synchronization

/// A TCP relay on loopback that forwards every connection to `target` and keeps a copy of every
/// byte in both directions, to check what an observer on the wire would see.
public final class RecordingProxy: Sendable {
    private let channel: any Channel
    private let recorded: Locked<[UInt8]>

    /// The port the proxy listens on.
    public var port: Int { channel.localAddress?.port ?? 0 }

    /// Everything that crossed the proxy so far.
    public var bytes: [UInt8] { recorded.withLock { $0 } }

    /// Starts relaying `127.0.0.1:<port>` to `target`.
    public init(targetPort: Int) async throws {
        let recorded = Locked<[UInt8]>([])
        self.recorded = recorded
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: "127.0.0.1", port: targetPort)
                    .flatMapThrowing { outbound in
                        // Both channels live on the same event loop, so the pair may talk directly.
                        let (a, b) = RelayHandler.pair(recorded)
                        try inbound.pipeline.syncOperations.addHandler(a)
                        try outbound.pipeline.syncOperations.addHandler(b)
                    }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    /// Stops accepting.
    public func close() async { try? await channel.close() }
}

/// One side of a relay: what it reads, it records and writes to its partner.
private final class RelayHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: RelayHandler?
    private var context: ChannelHandlerContext?
    private let recorded: Locked<[UInt8]>

    private init(_ recorded: Locked<[UInt8]>) { self.recorded = recorded }

    static func pair(_ recorded: Locked<[UInt8]>) -> (RelayHandler, RelayHandler) {
        let a = RelayHandler(recorded), b = RelayHandler(recorded)
        a.partner = b
        b.partner = a
        return (a, b)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        context.read()
    }

    func channelActive(context: ChannelHandlerContext) {
        context.read()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        recorded.withLock { $0 += Array(buffer.readableBytesView) }
        partner?.context?.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        context.read()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.context?.close(promise: nil)
        partner = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
