import NIOCore
import NIOEmbedded
import NIOTestUtils
@testable import JuicePeer
import JuiceTestSupport
import Testing

@Suite struct FrameDecoderTests {
    @Test func decodesValidFramesHoweverTheyAreSplit() throws {
        let frames = [PeerFrame(.m1, [1, 2, 3]), PeerFrame(.record, Array(repeating: 7, count: 5000)), PeerFrame(.m2, [])]
        let pairs = frames.map { (ByteBuffer(bytes: $0.encoded), [$0]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { PeerFrameDecoder() }
    }

    @Test func rejectsAnOversizedLengthBeforeBufferingTheBody() throws {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(PeerFrame.maxLength + 1))
        buffer.writeInteger(UInt8(4))
        #expect(throws: WireError.frameTooLarge(PeerFrame.maxLength + 1)) { try PeerFrameDecoder.decode(&buffer) }
        var empty = ByteBuffer()
        empty.writeInteger(UInt32(0))
        #expect(throws: WireError.self) { try PeerFrameDecoder.decode(&empty) }
    }

    @Test func rejectsUnknownKinds() {
        var buffer = ByteBuffer(bytes: [0, 0, 0, 2, 99, 0])
        #expect(throws: WireError.unknownKind(99)) { try PeerFrameDecoder.decode(&buffer) }
    }

    @Test func waitsForTruncatedFrames() throws {
        let frame = PeerFrame(.record, [1, 2, 3, 4]).encoded
        for cut in 0..<frame.count {
            var buffer = ByteBuffer(bytes: frame[..<cut])
            #expect(try PeerFrameDecoder.decode(&buffer) == nil)
            #expect(buffer.readerIndex == 0)
        }
    }

    @Test func randomInputNeverCrashesNorBuffersPastTheLimit() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(PeerFrameDecoder()))
            var fed = 0
            var failed = false
            for _ in 0..<20 where !failed {
                let size = Int.random(in: 0...4096, using: &generator)
                var buffer = channel.allocator.buffer(capacity: size)
                buffer.writeBytes((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
                fed += size
                do {
                    try channel.writeInbound(buffer)
                } catch {
                    failed = true // a clear error: the connection would close
                }
                while let frame = try? channel.readInbound(as: PeerFrame.self) {
                    #expect(frame.body.count < PeerFrame.maxLength)
                }
            }
            _ = try? channel.finish()
            #expect(fed <= 20 * 4096)
        }
    }

    @Test func transportMessagesRoundTripAndRejectGarbage() throws {
        let id = MessageID.random()
        let messages: [TransportMessage] = [
            .hello(PeerPresence(capabilities: .init(camera: true, mic: true), status: .away, statusText: "✈️")),
            .presence(PeerPresence(capabilities: .none)), .chat(id: id, text: "hi 👋"), .delivered(id), .ping, .pong, .goodbye,
        ]
        for message in messages { #expect(try TransportMessage(message.encoded) == message) }
        #expect(throws: WireError.self) { try TransportMessage([]) }
        #expect(throws: WireError.self) { try TransportMessage([3] + id.bytes + [0xFF, 0xFE]) } // not UTF-8
        #expect(throws: WireError.self) { try TransportMessage([1, 4, 0, 0]) } // unknown flag bit
        #expect(throws: WireError.self) { try TransportMessage([3] + id.bytes + Array(repeating: 65, count: TransportMessage.maxTextBytes + 1)) }
    }
}
