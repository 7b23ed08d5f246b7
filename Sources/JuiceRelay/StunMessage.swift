/// One STUN message (RFC 8489 §5): method, class, transaction ID and attributes in order.
///
/// A pure value: ``encoded()`` and ``init(decoding:)`` need no sockets. Decoding checks every
/// length against the bytes at hand, so untrusted input can only throw ``StunError``.
public struct StunMessage: Equatable, Sendable {
    /// The fixed magic cookie of RFC 5389 and later.
    public static let magicCookie: UInt32 = 0x2112_A442
    /// The header size: type, length, cookie, transaction ID.
    public static let headerSize = 20
    /// The largest message accepted from the network (header included). A STUN message over TCP
    /// has no other bound than its 16-bit length; Juice's peers never need more than this.
    public static let maximumSize = 20 + 65_532

    /// The method (12 bits): Binding, Allocate, Connect...
    public struct Method: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue & 0x0FFF }

        public static let binding = Method(rawValue: 0x001)
        public static let allocate = Method(rawValue: 0x003)
        public static let refresh = Method(rawValue: 0x004)
        public static let send = Method(rawValue: 0x006)
        public static let data = Method(rawValue: 0x007)
        public static let createPermission = Method(rawValue: 0x008)
        public static let channelBind = Method(rawValue: 0x009)
        /// RFC 6062 §6.1.
        public static let connect = Method(rawValue: 0x00A)
        public static let connectionBind = Method(rawValue: 0x00B)
        public static let connectionAttempt = Method(rawValue: 0x00C)

        public var description: String {
            switch self {
            case .binding: "Binding"
            case .allocate: "Allocate"
            case .refresh: "Refresh"
            case .createPermission: "CreatePermission"
            case .connect: "Connect"
            case .connectionBind: "ConnectionBind"
            case .connectionAttempt: "ConnectionAttempt"
            default: "method 0x\(String(rawValue, radix: 16))"
            }
        }
    }

    /// The class (2 bits).
    public enum Class: UInt16, Sendable {
        case request = 0b00
        case indication = 0b01
        case successResponse = 0b10
        case errorResponse = 0b11
    }

    public var method: Method
    public var messageClass: Class
    /// 12 bytes, random per request; a response repeats its request's.
    public var transactionID: [UInt8]
    public var attributes: [StunAttribute]

    /// A message; `transactionID` defaults to 12 random bytes.
    public init(method: Method, class messageClass: Class, transactionID: [UInt8]? = nil, attributes: [StunAttribute] = []) {
        self.method = method
        self.messageClass = messageClass
        self.transactionID = transactionID ?? Self.randomTransactionID()
        self.attributes = attributes
    }

    /// 12 bytes from the system's random generator.
    public static func randomTransactionID() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// The 14-bit message type: method bits M0-M11 with class bits C0 (bit 4) and C1 (bit 8).
    public var messageType: UInt16 {
        let m = method.rawValue, c = messageClass.rawValue
        return (m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 1) << 4) | ((c & 2) << 7)
    }

    /// The first attribute of a type, if any.
    public func attribute(_ type: StunAttribute.Kind) -> StunAttribute? {
        attributes.first { $0.type == type }
    }

    /// The wire form, attributes padded to 4 bytes with zeros. MESSAGE-INTEGRITY and FINGERPRINT
    /// are added by ``encoded(integrityKey:fingerprint:)``.
    public func encoded() -> [UInt8] {
        var body: [UInt8] = []
        for attribute in attributes { attribute.append(to: &body) }
        var out: [UInt8] = []
        out.reserveCapacity(Self.headerSize + body.count)
        out.appendBigEndian(messageType)
        out.appendBigEndian(UInt16(truncatingIfNeeded: body.count))
        out.appendBigEndian(Self.magicCookie)
        out += transactionID.count == 12 ? transactionID : Array((transactionID + [UInt8](repeating: 0, count: 12)).prefix(12))
        out += body
        return out
    }

    /// The total size (header included) of the message that starts `bytes`, once its 20-byte
    /// header is there; `nil` while fewer than 20 bytes are at hand. Throws when the header is
    /// not STUN's (top bits, cookie, length not a multiple of 4) or the size exceeds `limit`.
    public static func frameLength(of bytes: some Collection<UInt8>, limit: Int = maximumSize) throws(StunError) -> Int? {
        guard bytes.count >= headerSize else { return nil }
        let header = Array(bytes.prefix(headerSize))
        guard header[0] & 0xC0 == 0 else { throw .malformed("the first two bits are not zero") }
        guard header.bigEndianUInt32(at: 4) == magicCookie else { throw .malformed("no magic cookie") }
        let length = Int(header.bigEndianUInt16(at: 2))
        guard length % 4 == 0 else { throw .malformed("length \(length) is not a multiple of 4") }
        guard headerSize + length <= limit else { throw .tooLarge(headerSize + length) }
        return headerSize + length
    }

    /// Decodes exactly one message: `bytes` must be the whole message, no more, no less.
    public init(decoding bytes: [UInt8]) throws(StunError) {
        guard let total = try Self.frameLength(of: bytes) else { throw .malformed("shorter than a header") }
        guard total == bytes.count else { throw .malformed("length field says \(total) bytes, got \(bytes.count)") }
        let type = bytes.bigEndianUInt16(at: 0)
        let methodBits = (type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2)
        let classBits = ((type >> 4) & 1) | ((type >> 7) & 2)
        method = Method(rawValue: methodBits)
        messageClass = Class(rawValue: classBits)!
        transactionID = Array(bytes[8..<20])
        var attributes: [StunAttribute] = []
        var offset = Self.headerSize
        while offset < total {
            guard offset + 4 <= total else { throw .malformed("attribute header cut off") }
            let kind = bytes.bigEndianUInt16(at: offset)
            let length = Int(bytes.bigEndianUInt16(at: offset + 2))
            let end = offset + 4 + length
            guard end <= total else { throw .malformed("attribute 0x\(String(kind, radix: 16)) overruns the message") }
            attributes.append(StunAttribute(type: .init(rawValue: kind), value: Array(bytes[(offset + 4)..<end])))
            offset = end + (4 - length % 4) % 4
            guard offset <= total else { throw .malformed("attribute padding overruns the message") }
        }
        self.attributes = attributes
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(value >> 8)); append(UInt8(value & 0xFF))
    }

    mutating func appendBigEndian(_ value: UInt32) {
        appendBigEndian(UInt16(value >> 16)); appendBigEndian(UInt16(value & 0xFFFF))
    }

    /// The caller checks `offset + 2 <= count`.
    func bigEndianUInt16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }

    /// The caller checks `offset + 4 <= count`.
    func bigEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(bigEndianUInt16(at: offset)) << 16 | UInt32(bigEndianUInt16(at: offset + 2))
    }
}
