import NIOCore

/// Where a request comes from, as the password throttle counts it: an IPv4 address, or the /64
/// prefix of an IPv6 address (one subscriber's usual allocation, so hopping addresses inside it
/// gains nothing).
struct ClientSource: Sendable, Hashable, CustomStringConvertible {
    let description: String

    /// The source of the request being handled, set by ``ClientSourceMiddleware``. A task-local:
    /// read it before work moves to the database pool's threads.
    @TaskLocal static var current = ClientSource(description: "unknown")

    init(description: String) { self.description = description }

    init(_ address: SocketAddress?) {
        switch address {
        case .v4?:
            description = address?.ipAddress ?? "unknown"
        case .v6(let v6)?:
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
                description = bytes[12...].map(String.init).joined(separator: ".") // IPv4-mapped
            } else {
                description = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":") + "::/64"
            }
        default:
            description = "unknown"
        }
    }
}
