import NIOCore
import NIOPosix

/// A TCP connection to 127.0.0.1 that sends exactly the bytes a test gives it (malformed HTTP,
/// half a header) and records what comes back and when the server closed it.
public final class RawConnection: Sendable {
    private let channel: any Channel
    private let received: Locked<[UInt8]>

    /// Connects to `127.0.0.1:<port>`.
    public init(port: Int) async throws {
        let received = Locked<[UInt8]>([])
        self.received = received
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Recorder(received)) }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
    }

    /// Everything the server sent so far, as text.
    public var text: String { String(decoding: received.withLock { $0 }, as: UTF8.self) }

    /// Sends `text` as it is.
    public func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Shuts down the sending side (the server reads end-of-file) and keeps reading.
    public func finishSending() async throws {
        try await channel.close(mode: .output)
    }

    /// Waits at most `timeout` for the server to close the connection; returns how long that
    /// took, or nil (and closes it) when the server did not close it in time.
    public func waitForClose(within timeout: Duration) async -> Duration? {
        let start = ContinuousClock.now
        let timedOut = Locked(false)
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) { [channel] in
            timedOut.withLock { $0 = true }
            channel.close(promise: nil)
        }
        try? await channel.closeFuture.get()
        timer.cancel()
        return timedOut.withLock { $0 } ? nil : ContinuousClock.now - start
    }

    /// Closes the connection from this side.
    public func close() async { try? await channel.close() }
}

/// Keeps a copy of every byte read.
private final class Recorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let received: Locked<[UInt8]>

    init(_ received: Locked<[UInt8]>) { self.received = received }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(buffer: unwrapInboundIn(data))
        received.withLock { $0 += bytes }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil) // a reset: the server closed it
    }
}
