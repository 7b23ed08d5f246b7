import NIOCore

extension AdmissionSource {
    /// The source of a connection's remote address.
    static func of(_ address: SocketAddress?) -> String {
        guard let ip = address?.ipAddress else { return "unknown" }
        return of(ip: ip)
    }
}
