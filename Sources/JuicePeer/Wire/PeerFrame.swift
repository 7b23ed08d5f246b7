/// One frame on a peer connection: `length (u32, big-endian) || kind (u8) || body`, where
/// `length` counts kind and body and is at most ``PeerFrame/maxLength``.
public struct PeerFrame: Sendable, Equatable {
    /// What the body is.
    public enum Kind: UInt8, Sendable {
        /// Handshake message 1, initiator to responder.
        case m1 = 1
        /// Handshake message 2, responder to initiator.
        case m2 = 2
        /// The first transport frame in a direction: secretstream header (24 bytes) || record.
        case streamStart = 3
        /// Every later transport frame: one secretstream record.
        case record = 4
    }

    /// What the body is.
    public let kind: Kind
    /// The body.
    public let body: [UInt8]

    /// Largest `length` accepted: a 64 KiB chat message plus every header, with room to spare.
    public static let maxLength = 66 * 1024

    /// Creates a frame.
    public init(_ kind: Kind, _ body: [UInt8]) {
        self.kind = kind
        self.body = body
    }

    /// The frame as bytes on the wire.
    public var encoded: [UInt8] {
        let length = UInt32(body.count + 1)
        return [UInt8(length >> 24), UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length), kind.rawValue] + body
    }
}
