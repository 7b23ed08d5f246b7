import AsyncHTTPClient
import Foundation
import JuiceCore
import NIOCore
import NIOSSL
import Synchronization

/// Where the client talks to `juiced`, and how: the URL checked for transport security, and the
/// HTTP client that verifies the server's certificate.
///
/// Plain `http://` is refused except to a loopback address, because one recorded login carries
/// the auth key, a token and the sealed identity; `allowPlainHTTP` (the CLI's loudly named
/// `--insecure-plain-http`) overrides that. `https://` verifies the certificate against the
/// system's trust store, or only against the PEM certificates in `caFile` when one is given.
public struct ServerAddress: Sendable {
    /// The server's base URL.
    public let url: URL
    /// The realm passwords are salted with on this service.
    public let realm: Realm
    /// `realm@host:port`: names the service, for scoping pins and client state.
    public let scope: String
    /// True when the server is on this machine: only then may buddies' loopback candidates be dialled.
    public let isLoopback: Bool
    let httpClient: HTTPClient
    /// The same, for the rendezvous stream: its keepalive comes every 25 s, so reads may wait
    /// up to 60 s before the stream counts as broken.
    let streamHTTPClient: HTTPClient

    /// Checks `url` and prepares the HTTP client.
    public init(url: URL, realm: Realm, allowPlainHTTP: Bool = false, caFile: String? = nil) throws(ServiceError) {
        guard let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), let rawHost = url.host, !rawHost.isEmpty else {
            throw ServiceError(status: nil, message: "--server must be an http:// or https:// URL")
        }
        guard url.user == nil, url.password == nil else {
            throw ServiceError(status: nil, message: "--server must not carry a user name or password")
        }
        let host = rawHost.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if scheme == "http", !allowPlainHTTP, !Loopback.contains(host: host) {
            throw ServiceError(status: nil, message: "refusing plain http:// to \(host): the login would cross the network unencrypted; use https:// (or, only on a network you trust, --insecure-plain-http)")
        }
        if caFile != nil, scheme != "https" {
            throw ServiceError(status: nil, message: "--ca-file needs an https:// server")
        }
        self.url = url
        self.realm = realm
        isLoopback = Loopback.contains(host: host)
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        scope = "\(realm.name)@\(host.contains(":") ? "[\(host)]" : host):\(port)"
        httpClient = try Self.client(caFile: caFile, readTimeout: .seconds(15))
        streamHTTPClient = try Self.client(caFile: caFile, readTimeout: .seconds(60))
    }

    /// One client per trust configuration, kept for the life of the process (a CLI's requests
    /// share it; AsyncHTTPClient needs an explicit shutdown otherwise).
    private static let clients = Mutex<[String: HTTPClient]>([:])

    private static func client(caFile: String?, readTimeout: TimeAmount) throws(ServiceError) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        if let caFile {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw ServiceError(status: nil, message: "cannot read PEM certificates from --ca-file \(caFile)")
            }
        }
        let configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: readTimeout), connectionPool: .init()
        )
        let key = "\(readTimeout.nanoseconds) \(caFile ?? "")"
        return clients.withLock { clients in
            if let existing = clients[key] { return existing }
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[key] = client
            return client
        }
    }
}
