/// One attribute of a ``StunMessage``: a 16-bit type and its value (without padding).
///
/// The typed constructors and readers below build and parse the values Juice uses; a reader
/// throws ``StunError/malformed(_:)`` for a value of the wrong shape.
public struct StunAttribute: Equatable, Sendable {
    /// An attribute type.
    public struct Kind: RawRepresentable, Hashable, Sendable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        public static let mappedAddress = Kind(rawValue: 0x0001)
        public static let username = Kind(rawValue: 0x0006)
        public static let messageIntegrity = Kind(rawValue: 0x0008)
        public static let errorCode = Kind(rawValue: 0x0009)
        public static let unknownAttributes = Kind(rawValue: 0x000A)
        public static let lifetime = Kind(rawValue: 0x000D)
        public static let xorPeerAddress = Kind(rawValue: 0x0012)
        public static let data = Kind(rawValue: 0x0013)
        public static let realm = Kind(rawValue: 0x0014)
        public static let nonce = Kind(rawValue: 0x0015)
        public static let xorRelayedAddress = Kind(rawValue: 0x0016)
        public static let requestedTransport = Kind(rawValue: 0x0019)
        public static let xorMappedAddress = Kind(rawValue: 0x0020)
        /// RFC 6062 §6.2.1.
        public static let connectionID = Kind(rawValue: 0x002A)
        public static let software = Kind(rawValue: 0x8022)
        public static let fingerprint = Kind(rawValue: 0x8028)
    }

    public var type: Kind
    public var value: [UInt8]

    public init(type: Kind, value: [UInt8]) {
        self.type = type
        self.value = value
    }

    /// Appends the attribute header, the value and zero padding to a 4-byte boundary.
    func append(to out: inout [UInt8]) {
        out.appendBigEndian(type.rawValue)
        out.appendBigEndian(UInt16(truncatingIfNeeded: value.count))
        out += value
        out += [UInt8](repeating: 0, count: (4 - value.count % 4) % 4)
    }

    // MARK: Text

    /// USERNAME, REALM, NONCE, SOFTWARE: UTF-8 text.
    public static func text(_ type: Kind, _ string: String) -> StunAttribute {
        StunAttribute(type: type, value: Array(string.utf8))
    }

    /// The value as UTF-8 text (invalid sequences replaced).
    public var text: String { String(decoding: value, as: UTF8.self) }

    // MARK: Numbers

    /// LIFETIME (seconds).
    public static func lifetime(_ seconds: UInt32) -> StunAttribute {
        var value: [UInt8] = []
        value.appendBigEndian(seconds)
        return StunAttribute(type: .lifetime, value: value)
    }

    /// A 32-bit value (LIFETIME).
    public func uint32() throws(StunError) -> UInt32 {
        guard value.count == 4 else { throw .malformed("a 32-bit attribute of \(value.count) bytes") }
        return value.bigEndianUInt32(at: 0)
    }

    /// REQUESTED-TRANSPORT: the IP protocol number (6 = TCP, 17 = UDP) and three zero bytes.
    public static func requestedTransport(_ protocolNumber: UInt8) -> StunAttribute {
        StunAttribute(type: .requestedTransport, value: [protocolNumber, 0, 0, 0])
    }

    /// CONNECTION-ID (RFC 6062): 4 opaque bytes; coturn copies them as they are.
    public static func connectionID(_ id: UInt32) -> StunAttribute {
        var value: [UInt8] = []
        value.appendBigEndian(id)
        return StunAttribute(type: .connectionID, value: value)
    }

    /// The CONNECTION-ID value.
    public func connectionID() throws(StunError) -> UInt32 { try uint32() }

    // MARK: ERROR-CODE

    /// ERROR-CODE: class (hundreds) and number, then the reason phrase.
    public static func errorCode(_ code: Int, reason: String) -> StunAttribute {
        StunAttribute(type: .errorCode, value: [0, 0, UInt8((code / 100) & 0x07), UInt8(code % 100)] + Array(reason.utf8))
    }

    /// The error code (300-699) and reason phrase.
    public func errorCode() throws(StunError) -> (code: Int, reason: String) {
        guard value.count >= 4 else { throw .malformed("ERROR-CODE of \(value.count) bytes") }
        let code = Int(value[2] & 0x07) * 100 + Int(value[3])
        guard (300...699).contains(code), value[3] < 100 else { throw .malformed("ERROR-CODE \(code)") }
        return (code, String(decoding: value[4...], as: UTF8.self))
    }

    // MARK: Addresses

    /// An XOR address attribute (XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS):
    /// the port XORed with the cookie's top 16 bits, the address with the cookie (IPv4) or the
    /// cookie and the transaction ID (IPv6).
    public static func xorAddress(_ type: Kind, _ address: StunAddress, transactionID: [UInt8]) -> StunAttribute {
        var value: [UInt8] = [0, address.isIPv6 ? 0x02 : 0x01]
        value.appendBigEndian(address.port ^ UInt16(StunMessage.magicCookie >> 16))
        value += zip(address.ip, xorMask(transactionID)).map { $0 ^ $1 }
        return StunAttribute(type: type, value: value)
    }

    /// The address of an XOR address attribute.
    public func xorAddress(transactionID: [UInt8]) throws(StunError) -> StunAddress {
        guard value.count >= 4 else { throw .malformed("address attribute of \(value.count) bytes") }
        let length: Int
        switch value[1] {
        case 0x01: length = 4
        case 0x02: length = 16
        default: throw .malformed("address family \(value[1])")
        }
        guard value.count == 4 + length, transactionID.count == 12 else { throw .malformed("address attribute of \(value.count) bytes") }
        let port = value.bigEndianUInt16(at: 2) ^ UInt16(StunMessage.magicCookie >> 16)
        let ip = zip(value[4...], Self.xorMask(transactionID)).map { $0 ^ $1 }
        return StunAddress(ip: ip, port: port)!
    }

    /// A plain MAPPED-ADDRESS (RFC 3489 servers).
    public func plainAddress() throws(StunError) -> StunAddress {
        guard value.count == 8 || value.count == 20, value[1] == (value.count == 8 ? 1 : 2) else {
            throw .malformed("MAPPED-ADDRESS of \(value.count) bytes")
        }
        return StunAddress(ip: Array(value[4...]), port: value.bigEndianUInt16(at: 2))!
    }

    private static func xorMask(_ transactionID: [UInt8]) -> [UInt8] {
        var mask: [UInt8] = []
        mask.appendBigEndian(StunMessage.magicCookie)
        return mask + transactionID
    }
}
