#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An address a buddy may be reached at (docs/reachability.md 3.1): how it was learned, and an
/// IP literal with a port. Candidates are untrusted input on both sides: the server checks what
/// it stores and a client checks again what it is told (``validated(_:allowLoopback:)``).
public struct Candidate: Sendable, Hashable, CustomStringConvertible {
    /// How the address was learned.
    public enum Kind: String, Sendable, CaseIterable {
        /// An address of the buddy's own machine, on its listening port.
        case host
        /// The buddy's NAT's public mapping of its listening port (server reflexive).
        case srflx
        /// A relayed transport address on a TURN server.
        case relay
    }

    public let kind: Kind
    public let address: Endpoint

    /// At most this many per user.
    public static let maxCount = 8
    /// Longest text form of an address: a bracketed IPv6 literal and a port.
    public static let maxAddressLength = 47

    /// Checks one candidate (docs/reachability.md 3.4): a known kind; an IPv4 or bracketed IPv6
    /// literal (no DNS names) and a port from 1024 to 65535; not unspecified, multicast,
    /// broadcast or link-local; loopback only with `allowLoopback`.
    public init(kind: String, address: String, allowLoopback: Bool) throws(InvalidValue) {
        guard let kind = Kind(rawValue: kind) else { throw InvalidValue("candidate type must be host, srflx or relay") }
        guard address.utf8.count <= Self.maxAddressLength, let endpoint = try? Endpoint(address) else {
            throw InvalidValue("candidate address must be IP:PORT, at most \(Self.maxAddressLength) characters")
        }
        guard (1024...65535).contains(endpoint.port) else { throw InvalidValue("candidate port must be 1024 to 65535") }
        guard let range = IPRange.of(endpoint.host) else { throw InvalidValue("candidate address must be an IP literal, not a name") }
        switch range {
        case .unusable: throw InvalidValue("candidate address must not be unspecified, multicast, broadcast or link-local")
        case .loopback where !allowLoopback: throw InvalidValue("candidate address must not be loopback")
        case .loopback, .routable: break
        }
        self.kind = kind
        self.address = endpoint
    }

    /// A candidate from parts already checked (our own, gathered locally).
    public init(kind: Kind, address: Endpoint) {
        self.kind = kind
        self.address = address
    }

    /// True for a loopback address (kept only when the server is on this machine too).
    public var isLoopback: Bool { IPRange.of(address.host) == .loopback }

    /// `kind address`, e.g. `srflx 203.0.113.1:40123`: the stored form.
    public var description: String { "\(kind.rawValue) \(address)" }

    /// Parses the stored form.
    public init(stored text: String) throws(InvalidValue) {
        let parts = text.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { throw InvalidValue("candidate must be 'TYPE ADDRESS'") }
        try self.init(kind: String(parts[0]), address: String(parts[1]), allowLoopback: true)
    }

    /// The candidates of `raw` that pass the checks, each address once, at most ``maxCount``:
    /// how a client takes what the server says (a bad one is dropped alone).
    public static func validated(_ raw: [(kind: String, address: String)], allowLoopback: Bool) -> [Candidate] {
        var seen = Set<Endpoint>()
        return raw.compactMap { try? Candidate(kind: $0.kind, address: $0.address, allowLoopback: allowLoopback) }
            .filter { seen.insert($0.address).inserted }
            .prefix(maxCount).map { $0 }
    }
}

/// Which kind of address an IP literal is, for the candidate rules.
enum IPRange {
    case routable, loopback, unusable

    /// nil when `host` is not an IPv4 or IPv6 literal.
    static func of(_ host: String) -> IPRange? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return of(ipv4: UInt32(bigEndian: v4.s_addr))
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return .unusable // IPv4-mapped: the IPv4 form is the one to state
        }
        if bytes.allSatisfy({ $0 == 0 }) { return .unusable }                      // ::
        if bytes[0..<15].allSatisfy({ $0 == 0 }), bytes[15] == 1 { return .loopback } // ::1
        if bytes[0] == 0xFF { return .unusable }                                      // multicast
        if bytes[0] == 0xFE, bytes[1] & 0xC0 == 0x80 { return .unusable }             // fe80::/10
        return .routable
    }

    private static func of(ipv4 address: UInt32) -> IPRange {
        let first = address >> 24
        if first == 127 { return .loopback }
        if first == 0 || first >= 224 { return .unusable }        // this network; multicast, reserved, broadcast
        if address >> 16 == 0xA9FE { return .unusable }          // 169.254/16 link-local
        return .routable
    }
}
