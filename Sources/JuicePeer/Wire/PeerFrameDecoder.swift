import NIOCore

/// Splits the byte stream into ``PeerFrame``s. The length is checked against
/// ``PeerFrame/maxLength`` before anything is allocated or buffered for the frame, so a peer
/// cannot make us hold more than one maximal frame.
public struct PeerFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = PeerFrame

    /// Creates a decoder.
    public init() {}

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try Self.decode(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    /// Takes one frame off the front of `buffer`, or nil if it is not all there yet.
    public static func decode(_ buffer: inout ByteBuffer) throws -> PeerFrame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard length >= 1, length <= PeerFrame.maxLength else { throw WireError.frameTooLarge(Int(length)) }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        let kindByte = buffer.readInteger(as: UInt8.self)!
        let body = buffer.readBytes(length: Int(length) - 1)!
        guard let kind = PeerFrame.Kind(rawValue: kindByte) else { throw WireError.unknownKind(kindByte) }
        return PeerFrame(kind, body)
    }
}

/// Writes ``PeerFrame``s.
public struct PeerFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = PeerFrame

    /// Creates an encoder.
    public init() {}

    public func encode(data: PeerFrame, out: inout ByteBuffer) throws {
        // Header and body written straight into the buffer: no concatenated copy of a 64 KiB body.
        out.reserveCapacity(minimumWritableBytes: 5 + data.body.count)
        out.writeInteger(UInt32(data.body.count + 1))
        out.writeInteger(data.kind.rawValue)
        out.writeBytes(data.body)
    }
}
