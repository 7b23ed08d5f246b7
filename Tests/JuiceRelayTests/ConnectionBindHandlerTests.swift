import NIOCore
import NIOEmbedded
import Testing
@testable import JuiceRelay

/// The handover of a data connection, without a server: bytes that arrive in the same read as
/// the ConnectionBind success (or after it) reach the caller's handlers, after a channelActive.
@Suite struct ConnectionBindHandlerTests {
    final class Recorder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var events: [String] = []
        var bytes: [UInt8] = []
        func channelActive(context: ChannelHandlerContext) { events.append("active") }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            events.append("read")
            bytes += buffer.readBytes(length: buffer.readableBytes) ?? []
        }
    }

    @Test func bytesAfterTheSuccessResponseReachTheNewHandlers() throws {
        let channel = EmbeddedChannel()
        let request = StunMessage(method: .connectionBind, class: .request, attributes: [.connectionID(7)])
        let handler = ConnectionBindHandler(request: request.encoded(), transactionID: request.transactionID, timeout: .seconds(10))
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 3478)).wait()

        // The request went out on activation.
        let sent = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(try StunMessage(decoding: Array(sent.readableBytesView)).method == .connectionBind)

        // Success response and the peer's first bytes in one read, more bytes in a second.
        let success = StunMessage(method: .connectionBind, class: .successResponse, transactionID: request.transactionID).encoded()
        try channel.writeInbound(ByteBuffer(bytes: success + Array("hello ".utf8)))
        try channel.writeInbound(ByteBuffer(bytes: Array("peer".utf8)))
        let response = try handler.response.wait()
        #expect(response.message.messageClass == .successResponse)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil) // nothing leaks before the handover

        let recorder = Recorder()
        try channel.pipeline.syncOperations.addHandler(recorder)
        try channel.pipeline.syncOperations.removeHandler(handler).wait()
        #expect(recorder.events.first == "active")
        #expect(String(decoding: recorder.bytes, as: UTF8.self) == "hello peer")
        try channel.writeInbound(ByteBuffer(bytes: Array("!".utf8)))
        #expect(String(decoding: recorder.bytes, as: UTF8.self) == "hello peer!")
        _ = try? channel.finish()
    }

    @Test func anErrorResponseOrGarbageFailsTheBind() throws {
        for answer in [
            { (id: [UInt8]) in StunMessage(method: .connectionBind, class: .errorResponse, transactionID: id, attributes: [.errorCode(400, reason: "Bad")]).encoded() },
            { (_: [UInt8]) in [UInt8](repeating: 0x41, count: 40) },
        ] {
            let channel = EmbeddedChannel()
            let request = StunMessage(method: .connectionBind, class: .request)
            let handler = ConnectionBindHandler(request: request.encoded(), transactionID: request.transactionID, timeout: .seconds(10))
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 3478)).wait()
            try? channel.writeInbound(ByteBuffer(bytes: answer(request.transactionID)))
            let outcome = Result { try handler.response.wait() }
            switch outcome {
            case .success(let response): #expect(response.message.messageClass == .errorResponse)
            case .failure(let error): #expect(error is StunError)
            }
            #expect(!channel.isActive)
            _ = try? channel.finish()
        }
    }
}
