import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import JuiceAPI
import Logging
import NIOCore
import NIOSSL
import OpenAPIHummingbird
import OpenAPIRuntime
import Postgres
import Prometheus
import ServiceLifecycle

/// Builds the `juiced` application: the API router, the lease reaper, the rendezvous (its LISTEN
/// connection and heartbeat) and, when configured, TLS.
///
/// `onServerRunning` receives the bound channel (tests use it to learn a port picked by the OS).
public func buildApplication(
    configuration: ServerConfiguration,
    pool: PostgresPool,
    metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let streams = RendezvousStreams()
    let store = AccountStore(pool: pool, rendezvous: streams)
    let router = try buildRouter(configuration: configuration, store: store, streams: streams, metrics: metrics, logger: logger)
    let reaper = LeaseReaper(store: store, interval: configuration.reaperInterval, logger: logger)
    let rendezvous = RendezvousService(streams: streams, database: pool.configuration, settings: configuration.rendezvous, logger: logger)
    return Application(
        responder: RequestTaskResponder(inner: router.buildResponder()),
        server: try serverBuilder(configuration, logger: logger),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "juiced"),
        services: [reaper, rendezvous],
        onServerRunning: onServerRunning,
        logger: logger
    )
}

/// The router with every API operation registered behind the error and body-size middleware.
func buildRouter(
    configuration: ServerConfiguration,
    store: AccountStore,
    streams: RendezvousStreams,
    metrics: PrometheusCollectorRegistry,
    logger: Logger
) throws -> Router<JuiceRequestContext> {
    let api = AccountAPI(
        store: store, settings: configuration.accounts, streams: streams, rendezvous: configuration.rendezvous, metrics: metrics, logger: logger
    )
    let middlewares: [any ServerMiddleware] = [
        APIRequestMiddleware(metrics: RequestMetrics(registry: metrics), logger: logger, maxBodyBytes: configuration.maxBodyBytes),
        LoginFastPath(api: api, maxBodyBytes: configuration.maxBodyBytes),
    ]
    let allowedMethods = try AllowedMethods { try api.registerHandlers(on: $0, configuration: .juice, middlewares: middlewares) }
    let router = Router(context: JuiceRequestContext.self)
    router.middlewares.add(HTTPErrorMiddleware(maxBodyBytes: configuration.maxBodyBytes, allowedMethods: allowedMethods))
    router.middlewares.add(StreamHoldMiddleware())
    router.middlewares.add(ClientSourceMiddleware(trustedProxies: configuration.trustedProxies))
    try api.registerHandlers(on: router, configuration: .juice, middlewares: middlewares)
    return router
}

/// HTTP/1.1, over TLS when configured, with a ``ConnectionGuard`` on every connection.
private func serverBuilder(_ configuration: ServerConfiguration, logger: Logger) throws -> HTTPServerBuilder {
    let limits = configuration.connections
    let open = OpenConnections(limit: limits.maxConnections)
    let http1 = HTTPServerBuilder.juiceHTTP1(
        configuration: .init(additionalChannelHandlers: [ConnectionGuard(limits: limits, connections: open, logger: logger)]),
        rendezvous: configuration.rendezvous
    )
    switch (configuration.tlsCertificatePath, configuration.tlsKeyPath) {
    case (nil, nil):
        return http1
    case let (certificate?, key?):
        let chain: [NIOSSLCertificateSource], privateKey: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
        } catch {
            throw ConfigurationError("cannot read a PEM certificate from \(certificate)")
        }
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw ConfigurationError("cannot read a PEM private key from \(key)")
        }
        let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(privateKey))
        return try .tls(http1, tlsConfiguration: tls)
    default:
        throw ConfigurationError("TLS needs both --tls-certificate and --tls-key")
    }
}

/// A configuration problem, reported as one line.
public struct ConfigurationError: Error, CustomStringConvertible {
    /// The reason.
    public let description: String
    /// Creates an error with a one-line reason.
    public init(_ description: String) { self.description = description }
}
