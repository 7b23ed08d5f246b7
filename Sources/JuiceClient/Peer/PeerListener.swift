import JuiceCore
import NIOCore
import NIOPosix

/// The TCP listener buddies dial. It binds before login so that the advertised endpoint is real.
///
/// Connections are accepted and closed until the peer handshake is attached to `childChannelInitializer`.
public struct PeerListener: Sendable {
    private let channel: any Channel

    /// Binds `host:port` (port 0 picks a free one).
    public static func bind(host: String, port: Int) async throws -> PeerListener {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in channel.close() }
            .bind(host: host, port: port)
            .get()
        return PeerListener(channel: channel)
    }

    /// The bound address as an endpoint.
    public var endpoint: Endpoint {
        get throws {
            guard let address = channel.localAddress, let ip = address.ipAddress, let port = address.port else {
                throw InvalidValue("the listener has no address")
            }
            return try Endpoint(host: ip, port: port)
        }
    }

    /// Stops listening.
    public func close() async {
        try? await channel.close()
    }
}
