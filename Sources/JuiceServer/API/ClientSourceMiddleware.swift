import HTTPTypes
import Hummingbird
import NIOCore

/// Makes the request's ``ClientSource`` available to the API handlers: the connection's peer, or,
/// when that peer is a trusted proxy, the nearest address in `X-Forwarded-For` that is not one.
struct ClientSourceMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    /// Proxies whose `X-Forwarded-For` is believed (as ``ClientSource`` descriptions).
    let trustedProxies: Set<ClientSource>

    init(trustedProxies: [String]) {
        self.trustedProxies = Set(trustedProxies.compactMap { try? SocketAddress(ipAddress: $0, port: 0) }.map { ClientSource($0) })
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let source = ClientSource.of(peer: context.remoteAddress, forwardedFor: request.headers[values: .xForwardedFor], trusting: trustedProxies)
        return try await ClientSource.$current.withValue(source) {
            try await next(request, context)
        }
    }
}

extension HTTPField.Name {
    /// `X-Forwarded-For`, as a proxy in front of `juiced` appends the client's address to it.
    static let xForwardedFor = Self("X-Forwarded-For")!
}
