import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP connection to a STUN/TURN server carrying STUN messages: requests out, responses
/// matched by transaction ID, indications to a callback. Shared by ``StunBinding`` and
/// ``TurnAllocation``.
final class StunConnection: Sendable {
    let channel: any Channel
    let timeout: TimeAmount

    private init(channel: any Channel, timeout: TimeAmount) {
        self.channel = channel
        self.timeout = timeout
    }

    /// Connects to `server`, from `local` if given (with SO_REUSEADDR and SO_REUSEPORT, so a
    /// listener on the same port may coexist).
    static func connect(
        to server: StunAddress, from local: StunAddress? = nil, timeout: Duration = .seconds(10),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onIndication: @escaping @Sendable (StunMessage) -> Void = { _ in }
    ) async throws -> StunConnection {
        let amount = TimeAmount(timeout)
        var bootstrap = ClientBootstrap(group: group)
            .connectTimeout(amount)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(ChannelOptions.Types.SocketOption(level: .socket, name: .reusePort), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(StunFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(StunClientHandler(onIndication: onIndication))
                }
            }
        if let local { bootstrap = bootstrap.bind(to: try SocketAddress(local)) }
        let channel = try await bootstrap.connect(to: try SocketAddress(server)).get()
        return StunConnection(channel: channel, timeout: amount)
    }

    /// Sends `request` (MESSAGE-INTEGRITY keyed by `key` if given, then FINGERPRINT) and waits
    /// for the response with its transaction ID, at most `timeout`.
    func transact(_ request: StunMessage, key: [UInt8]? = nil) async throws -> StunResponse {
        let bytes = request.encoded(integrityKey: key, fingerprint: true)
        let id = request.transactionID
        let channel = channel, timeout = timeout
        let promise = channel.eventLoop.makePromise(of: StunResponse.self)
        channel.eventLoop.execute {
            do {
                let handler = try channel.pipeline.syncOperations.handler(type: StunClientHandler.self)
                handler.register(id, promise)
                let bound = NIOLoopBound(handler, eventLoop: channel.eventLoop)
                let timer = channel.eventLoop.scheduleTask(in: timeout) {
                    bound.value.forget(id)
                    promise.fail(StunError.timeout)
                }
                promise.futureResult.whenComplete { _ in timer.cancel() }
                channel.writeAndFlush(ByteBuffer(bytes: bytes)).whenFailure { promise.fail($0) }
            } catch {
                promise.fail(StunError.connectionClosed)
            }
        }
        return try await promise.futureResult.get()
    }

    /// Sends a message that expects no answer (an indication).
    func send(_ message: StunMessage) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: message.encoded(integrityKey: nil, fingerprint: true))).get()
    }

    /// Closes the connection (idempotent).
    func close() async {
        try? await channel.close().get()
    }
}

extension SocketAddress {
    /// The NIO form of a STUN address.
    public init(_ address: StunAddress) throws {
        try self.init(ipAddress: address.host, port: Int(address.port))
    }
}

extension StunAddress {
    /// The STUN form of a NIO IP address; `nil` for Unix sockets.
    public init?(_ address: SocketAddress) {
        guard let ip = address.ipAddress, let port = address.port, let value = UInt16(exactly: port) else { return nil }
        self.init(host: ip, port: value)
    }
}

extension NIOBSDSocket.Option {
    /// SO_REUSEPORT (SwiftNIO names only SO_REUSEADDR).
    static let reusePort = NIOBSDSocket.Option(rawValue: SO_REUSEPORT)
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
