import Foundation
import JuiceCore

/// The relay a service offers and a credential for it, from an online login's `reachability`
/// (docs/reachability.md 5.2). Kept between logins (``RelayAccessCache``), so the next login can
/// state its relayed address at once.
public struct RelayAccess: Sendable, Codable, Equatable {
    /// The TURN server's TCP listener, also asked for STUN Bindings.
    public var server: Endpoint
    public var username: String
    public var password: String
    public var expiresAt: Date

    public init(server: Endpoint, username: String, password: String, expiresAt: Date) {
        self.server = server
        self.username = username
        self.password = password
        self.expiresAt = expiresAt
    }

    /// True while the credential has at least `margin` left.
    public func isValid(for margin: TimeInterval, now: Date = Date()) -> Bool {
        expiresAt.timeIntervalSince(now) >= margin
    }
}
