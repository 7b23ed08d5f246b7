/// Where a client accepts peer connections: `HOST:PORT`, where HOST is an IPv4 address, a
/// bracketed IPv6 address or a DNS name.
public struct Endpoint: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The host part, without brackets.
    public let host: String
    /// The TCP port, 1 to 65535.
    public let port: Int

    /// Longest accepted text form.
    public static let maxLength = 300

    /// Creates an endpoint from parts.
    public init(host: String, port: Int) throws(InvalidValue) {
        try self.init(host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
    }

    /// Parses `HOST:PORT`; throws a one-line reason when it is not one. Port 0 ("any free port")
    /// is only accepted for a listening address.
    public init(_ text: String, allowingPortZero: Bool = false) throws(InvalidValue) {
        guard !text.isEmpty, text.utf8.count <= Self.maxLength else { throw InvalidValue("endpoint must be HOST:PORT, at most \(Self.maxLength) characters") }
        guard let colon = text.lastIndex(of: ":") else { throw InvalidValue("endpoint must be HOST:PORT") }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        // 1 to 5 ASCII digits and nothing else: Int("+80") would take a sign.
        let digits = (1...5).contains(portText.utf8.count) && portText.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        guard digits, let port = Int(portText), ((allowingPortZero ? 0 : 1)...65535).contains(port) else {
            throw InvalidValue("endpoint port must be \(allowingPortZero ? 0 : 1) to 65535")
        }
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }), host.contains(":") else {
                throw InvalidValue("endpoint has an invalid IPv6 address")
            }
        } else {
            let allowed = host.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "." }
            guard !host.isEmpty, allowed, !host.hasPrefix("-"), !host.hasPrefix(".") else {
                throw InvalidValue("endpoint host must be an IP address or a DNS name")
            }
        }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
