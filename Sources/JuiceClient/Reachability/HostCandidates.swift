import JuiceCore
import NIOCore
import NIOPosix

/// The `host` candidates of a client listening on every interface (docs/reachability.md 3.1):
/// the addresses of its up interfaces on the listening port, at most ``limit``. Never
/// link-local, and loopback only when the server is on this machine too. A client listening on
/// one address has that address as its endpoint, and no host candidate besides.
enum HostCandidates {
    static let limit = 4

    /// The candidates for a listener bound to `listening`.
    static func gather(listening: Endpoint, serverIsLoopback: Bool) -> [Candidate] {
        guard isWildcard(listening) else { return [] }
        let addresses = ((try? System.enumerateDevices()) ?? []).compactMap { $0.address?.ipAddress }
        return select(addresses, port: listening.port, wildcard: listening.host, serverIsLoopback: serverIsLoopback)
    }

    /// True for a listener bound to every interface.
    static func isWildcard(_ listening: Endpoint) -> Bool { ["0.0.0.0", "::"].contains(listening.host) }

    /// The usable ones of `addresses`, in order, each once: IPv4 only for an IPv4 wildcard.
    static func select(_ addresses: [String], port: Int, wildcard: String, serverIsLoopback: Bool) -> [Candidate] {
        var seen = Set<String>()
        return addresses
            .filter { wildcard == "::" || !$0.contains(":") }
            .filter { seen.insert($0).inserted }
            .compactMap { address in
                let text = address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
                return try? Candidate(kind: "host", address: text, allowLoopback: serverIsLoopback)
            }
            .prefix(limit).map { $0 }
    }
}
