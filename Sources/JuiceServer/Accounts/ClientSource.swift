import Foundation
import JuiceCore
import NIOCore

/// Where a request comes from, as the password throttle counts it (``SourceAddress``).
struct ClientSource: Sendable, Hashable, CustomStringConvertible {
    let description: String

    /// The source of the request being handled, set by ``ClientSourceMiddleware``. A task-local:
    /// read it before work moves to the database pool's threads.
    @TaskLocal static var current = ClientSource(description: "unknown")

    init(description: String) { self.description = description }

    /// A client on this machine: only such a client may state loopback candidates.
    var isLoopback: Bool { Loopback.contains(host: description) }

    init(_ address: SocketAddress?) {
        description = address?.ipAddress.map { SourceAddress.of(ip: $0) } ?? "unknown"
    }
}

extension ClientSource {
    /// The source of a request from `peer`: the peer itself, unless it is one of `trusted`; then
    /// the right-most `X-Forwarded-For` address that is not trusted (each proxy appends the
    /// address it saw, so everything left of an untrusted one could be made up). An unreadable
    /// entry stops the walk at the last trusted hop.
    static func of(peer: SocketAddress?, forwardedFor: [String], trusting trusted: Set<ClientSource>) -> ClientSource {
        var source = ClientSource(peer)
        guard trusted.contains(source) else { return source }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard let address = try? SocketAddress(ipAddress: hop, port: 0) else { return source }
            source = ClientSource(address)
            guard trusted.contains(source) else { return source }
        }
        return source
    }
}
