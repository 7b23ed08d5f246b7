import NIOCore
import NIOPosix

/// A TCP connection to 127.0.0.1 that sends exactly the bytes a test gives it (malformed HTTP,
/// half a header) and records what comes back and when the server closed it.
public final class RawConnection: Sendable {
    /// When things happened, taken on the connection's event loop (or as a send is issued), so
    /// that a busy test process does not stretch the measured times.
    public struct Timeline: Sendable {
        /// When the connection was established.
        public var opened: ContinuousClock.Instant?
        /// When the first bytes were sent.
        public var firstSent: ContinuousClock.Instant?
        /// When the last bytes arrived.
        public var lastReceived: ContinuousClock.Instant?
        /// When the connection closed.
        public var closed: ContinuousClock.Instant?
    }

    private let channel: any Channel
    private let received: Locked<[UInt8]>
    private let times: Locked<Timeline>

    /// Connects to `127.0.0.1:<port>`.
    public init(port: Int) async throws {
        let received = Locked<[UInt8]>([]), times = Locked(Timeline())
        self.received = received
        self.times = times
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.closeFuture.whenComplete { _ in times.withLock { $0.closed = .now } }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Recorder(received: received, times: times))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
    }

    /// The connection's own port.
    public var localPort: Int? { channel.localAddress?.port }

    /// Everything the server sent so far, as text.
    public var text: String { String(decoding: received.withLock { $0 }, as: UTF8.self) }

    /// When things happened so far.
    public var timeline: Timeline { times.withLock { $0 } }

    /// Sends `text` as it is.
    public func send(_ text: String) async throws {
        times.withLock { $0.firstSent = $0.firstSent ?? .now }
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
        guard !timedOut.withLock({ $0 }), let closed = timeline.closed else { return nil }
        return closed - start
    }

    /// Closes the connection from this side.
    public func close() async { try? await channel.close() }
}

/// Keeps a copy of every byte read, and when the connection opened and last received.
private final class Recorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let received: Locked<[UInt8]>
    private let times: Locked<RawConnection.Timeline>

    init(received: Locked<[UInt8]>, times: Locked<RawConnection.Timeline>) {
        self.received = received
        self.times = times
    }

    func channelActive(context: ChannelHandlerContext) {
        times.withLock { $0.opened = .now }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(buffer: unwrapInboundIn(data))
        received.withLock { $0 += bytes }
        times.withLock { $0.lastReceived = .now }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil) // a reset: the server closed it
    }
}
