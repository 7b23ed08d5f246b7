#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The source a handshake budget is kept for: the peer's IPv4 address, or the /64 prefix of its
/// IPv6 address (one host usually holds a whole /64, so it must not get a budget per address).
enum AdmissionSource {
    /// The source of an IP address in text form; anything that is not an IP address is its own source.
    static func of(ip: String) -> String {
        var v6 = in6_addr()
        guard ip.contains(":"), inet_pton(AF_INET6, ip, &v6) == 1 else { return ip }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes[..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { // IPv4-mapped
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        return stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":") + "::/64"
    }
}
