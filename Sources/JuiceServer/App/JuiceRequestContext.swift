import Hummingbird
import NIOCore

/// The request context of `juiced`: Hummingbird's basics plus the client's address, which the
/// password throttle counts failures by (``ClientSource``).
public struct JuiceRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The peer address of the connection.
    public let remoteAddress: SocketAddress?

    /// Creates the context for a request on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
