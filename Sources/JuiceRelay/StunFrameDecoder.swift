import NIOCore

/// Cuts a TCP byte stream into whole STUN messages (RFC 8489 §6.2.2: over TCP, messages follow
/// each other with no other framing). Each message is checked by ``StunMessage/frameLength(of:limit:)``
/// before its bytes are waited for, so a peer cannot make it buffer more than `limit` bytes.
struct StunFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]

    var limit = StunMessage.maximumSize

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let header = buffer.getBytes(at: buffer.readerIndex, length: min(buffer.readableBytes, StunMessage.headerSize)),
              let total = try StunMessage.frameLength(of: header, limit: limit),
              let message = buffer.readBytes(length: total)
        else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(message))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 { throw StunError.malformed("the connection closed inside a message") }
        return .needMoreData
    }
}
