import JuiceCore
import NIOCore

extension SourceAddress {
    /// The source of a connection's remote address ("unknown" when it has no IP address).
    static func of(_ address: SocketAddress?) -> String {
        address?.ipAddress.map { of(ip: $0) } ?? "unknown"
    }
}
