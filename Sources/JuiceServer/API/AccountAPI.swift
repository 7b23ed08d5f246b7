import Foundation
import JuiceAPI
import JuiceCore
import Logging
import OpenAPIRuntime
import Prometheus

/// The generated `APIProtocol`, implemented over ``AccountStore``. Handlers validate input and
/// throw ``AccountError`` for anything a client got wrong; ``APIRequestMiddleware`` turns those
/// into responses in one place.
struct AccountAPI: APIProtocol {
    let store: AccountStore
    let settings: AccountSettings
    /// The rendezvous streams this instance holds, and their timing.
    let streams: RendezvousStreams
    let rendezvous: RendezvousSettings
    let metrics: PrometheusCollectorRegistry
    let logger: Logger

    // MARK: Operations

    func health(_ input: Operations.Health.Input) async throws -> Operations.Health.Output {
        .ok(.init(body: .plainText("ok\n")))
    }

    func readiness(_ input: Operations.Readiness.Input) async throws -> Operations.Readiness.Output {
        await store.ping() ? .ok(.init(body: .plainText("ready\n"))) : .serviceUnavailable(.init(body: .plainText("database unavailable\n")))
    }

    func metrics(_ input: Operations.Metrics.Input) async throws -> Operations.Metrics.Output {
        .ok(.init(body: .plainText(.init(metrics.emitToString()))))
    }

    func openAPIDocument(_ input: Operations.OpenAPIDocument.Input) async throws -> Operations.OpenAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(OpenAPIDocument.yaml))))
    }

    // MARK: Authentication helpers

    /// The session behind the request's bearer token, or ``AccountError/unauthenticated``.
    func principal() async throws -> SessionPrincipal {
        guard let principal = try await store.authenticate(tokenHash: try presentedTokenHash()) else {
            throw AccountError.unauthenticated
        }
        return principal
    }

    /// The hash of the request's bearer token, or ``AccountError/unauthenticated``.
    func presentedTokenHash() throws -> [UInt8] {
        guard let hash = BearerToken.current.flatMap(SessionToken.hash(of:)) else { throw AccountError.unauthenticated }
        return hash
    }
}

/// Service-wide settings for account operations.
public struct AccountSettings: Sendable {
    /// The realm clients salt their password hash with.
    public var realm: Realm = .default
    /// Presence lease length.
    public var leaseSeconds: Int = 3600
    /// Lifetime of a token from a login with `online: false`.
    public var commandSessionSeconds: Int = 600
    /// How failed checks of password-derived keys are limited.
    public var throttle = AuthThrottle()
    /// Command tokens (logins with `online: false`) a user may hold; a new one ends the oldest.
    public var maxCommandSessions: Int = 20
    /// Accounts one client address may register per hour.
    public var registrationsPerAddressPerHour: Int = 20
    /// Pending buddy requests a user may have waiting for their consent.
    public var maxPendingRequests: Int = 100
    /// The relay whose credentials online logins get; nil: none (docs/reachability.md 7).
    public var relay: RelaySettings?
    /// Bounds on waiting messages (docs/protocol.md 5.2).
    public var mailbox = MailboxSettings()

    /// The defaults.
    public init() {}
}
