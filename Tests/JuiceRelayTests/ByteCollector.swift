import NIOCore
import NIOPosix
import Synchronization

/// Collects the bytes a channel reads until `expected` have arrived, then reports them once.
final class ByteCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let expected: Int
    private let done: @Sendable ([UInt8]) -> Void
    private var received: [UInt8] = []
    private var reported = false

    init(expected: Int, done: @escaping @Sendable ([UInt8]) -> Void) {
        self.expected = expected
        self.done = done
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        if !reported, received.count >= expected {
            reported = true
            done(received)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !reported { reported = true; done(received) }
        context.fireChannelInactive()
    }
}

/// One value delivered from a callback, awaited with a bound.
final class Mailbox<T: Sendable>: Sendable {
    let stream: AsyncStream<T>
    let continuation: AsyncStream<T>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream(of: T.self) }

    func put(_ value: T) { continuation.yield(value) }

    /// The next value, or a thrown timeout after `limit`.
    func next(within limit: Duration = .seconds(30), what: String = "a value") async throws -> T {
        let stream = stream
        return try await withTimeout(limit, "waiting for \(what)") {
            var iterator = stream.makeAsyncIterator()
            guard let value = await iterator.next() else { throw CoturnError("stream ended") }
            return value
        }
    }
}

/// `count` random bytes.
func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    var bytes = [UInt8](repeating: 0, count: count)
    for i in stride(from: 0, to: count, by: 8) {
        let word = generator.next()
        for j in 0..<min(8, count - i) { bytes[i + j] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(j))) }
    }
    return bytes
}

/// A plain TCP listener (a peer without TURN): each accepted channel collects `expected` bytes
/// into `received`; the channels themselves go to `accepted`.
struct PlainListener {
    let channel: any Channel
    let accepted = Mailbox<any Channel>()
    let received = Mailbox<[UInt8]>()

    init(expected: Int) async throws {
        let accepted = accepted, received = received
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(ByteCollector(expected: expected) { received.put($0) })
                    accepted.put(child)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    var port: Int { channel.localAddress!.port! }
}
