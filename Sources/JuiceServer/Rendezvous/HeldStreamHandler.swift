import NIOCore

/// The handler at the bottom of every HTTP connection's pipeline (above TLS, below the HTTP
/// codec), which lets a rendezvous stream hold the connection without Hummingbird
/// (docs/reachability.md 2.6).
///
/// Until ``hold(_:)`` it passes everything through. Once a stream holds the connection, the
/// response head has been written and nothing of HTTP runs on it any more: the connection's task
/// has ended, and this handler
/// - writes the stream's lines as HTTP/1.1 chunks (the head said `Transfer-Encoding: chunked`),
///   and the last chunk when the stream ends, then closes the connection;
/// - drops whatever the layers above it still write or close (the connection's task closing its
///   side as it ends), and whatever the client sends;
/// - keeps reading, so that the client's FIN or reset closes the channel, which ends the stream
///   (its presence goes offline after the resume grace);
/// - ends the stream when the server quiesces (graceful shutdown), and when a client lets more
///   than ``backlogLimit`` lines pile up beyond what the socket takes;
/// - sets the socket's `TCP_USER_TIMEOUT`, so that a client whose network vanished (no FIN,
///   no reset) is noticed once a line goes unacknowledged that long.
///
/// A held stream then costs the socket, this pipeline and the stream's own state: no task, no
/// async frames, no request objects (BENCHMARKS.md §10).
final class HeldStreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// Lines a stream may queue while its socket is not writable before it is ended.
    static let backlogLimit = 1024

    /// The held socket's `TCP_USER_TIMEOUT` (``RendezvousSettings/userTimeout``).
    private let userTimeout: Duration
    private var context: ChannelHandlerContext?
    private var stream: RendezvousStream?
    /// Lines written since the channel last became unwritable.
    private var backlog = 0
    /// The client's FIN, or the server's quiescing, came before a stream held the connection: the
    /// stream that takes it over ends at once.
    private var ending = false

    init(userTimeout: Duration) { self.userTimeout = userTimeout }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        endStream()
    }

    /// The connection now belongs to `stream`: its lines are written here from now on. A
    /// connection already closed, or closing, ends the stream at once.
    func hold(_ stream: RendezvousStream) {
        guard let context, context.channel.isActive else { return stream.finish() }
        self.stream = stream
        stream.attach(to: HeldConnection(handler: self, eventLoop: context.eventLoop))
        if ending { return stream.finish() }
        // A client whose network vanished acknowledges nothing; the kernel aborts the connection
        // once a line has waited this long (the channel closes, which ends the stream).
        try? context.channel.syncOptions?.setOption(.tcpUserTimeout, value: Int(userTimeout / .milliseconds(1)))
        context.read()
    }

    /// The held stream is over (its connection closed or is going): it finishes, once.
    private func endStream() {
        guard let stream else { return }
        self.stream = nil
        stream.finish()
    }

    /// Writes `lines` as chunks.
    func send(_ lines: [[UInt8]]) {
        guard let context, stream != nil, context.channel.isActive else { return }
        if !context.channel.isWritable {
            backlog += lines.count
            if backlog > Self.backlogLimit { return stream?.finish() ?? () }
        }
        var buffer = context.channel.allocator.buffer(capacity: lines.reduce(0) { $0 + $1.count + 12 })
        for line in lines {
            buffer.writeString(String(line.count, radix: 16))
            buffer.writeStaticString("\r\n")
            buffer.writeBytes(line)
            buffer.writeStaticString("\r\n")
        }
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(buffer)), promise: nil)
    }

    /// Writes the last chunk and closes the connection (the stream has finished).
    func end() {
        guard let context, stream != nil else { return }
        stream = nil
        var last = context.channel.allocator.buffer(capacity: 5)
        last.writeStaticString("0\r\n\r\n")
        context.writeAndFlush(wrapOutboundOut(.byteBuffer(last)), promise: nil)
        context.close(promise: nil)
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if stream == nil { context.fireChannelRead(data) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard stream == nil else { return context.read() }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        endStream()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { backlog = 0 }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The client's FIN (half-closure is allowed on these channels) or the server quiescing:
        // the held stream ends; before a stream holds the connection, the one that will ends at
        // once, and the layers above hear of it as usual.
        guard event is ChannelShouldQuiesceEvent || event as? ChannelEvent == .inputClosed else {
            return context.fireUserInboundEventTriggered(event)
        }
        if let stream { return stream.finish() }
        ending = true
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: outbound (from the layers above, which no longer own the connection once it is held)

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard stream == nil else { return promise?.succeed(()) ?? () }
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        if stream == nil { context.flush() }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard stream == nil else { return promise?.succeed(()) ?? () }
        context.close(mode: mode, promise: promise)
    }
}

extension ChannelOption where Self == ChannelOptions.Types.SocketOption {
    /// `TCP_USER_TIMEOUT` (Linux, `netinet/tcp.h`): milliseconds that sent data may stay
    /// unacknowledged before the connection is aborted.
    static var tcpUserTimeout: Self { .init(level: .tcp, name: .init(rawValue: 18)) }
}

/// A held connection as a ``RendezvousStream`` sees it: where its lines go, from any thread.
struct HeldConnection: Sendable {
    private let handler: NIOLoopBound<HeldStreamHandler>

    init(handler: HeldStreamHandler, eventLoop: any EventLoop) {
        self.handler = NIOLoopBound(handler, eventLoop: eventLoop)
    }

    /// Queues `lines` for the connection, after everything queued before.
    func send(_ lines: [[UInt8]]) {
        let handler = handler
        handler.eventLoop.execute { handler.value.send(lines) }
    }

    /// Queues the end of the stream: the last chunk, then the close.
    func end() {
        let handler = handler
        handler.eventLoop.execute { handler.value.end() }
    }
}
