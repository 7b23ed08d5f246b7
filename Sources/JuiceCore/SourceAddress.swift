#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Where traffic comes from, as budgets and throttles count it: an IPv4 address, or the /64
/// prefix of an IPv6 address (one subscriber's usual allocation, so hopping addresses inside it
/// gains nothing). IPv4-mapped IPv6 addresses count as their IPv4 address.
public enum SourceAddress {
    /// The source of an IP address in text form; anything that is not an IP address is its own source.
    public static func of(ip: String) -> String {
        var v6 = in6_addr()
        guard ip.contains(":"), inet_pton(AF_INET6, ip, &v6) == 1 else { return ip }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes[..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { // IPv4-mapped
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        return stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":") + "::/64"
    }
}
