import Foundation
import JuiceAPI
import JuiceRelay

/// The TURN server clients may relay through (docs/reachability.md 5), and the secret juiced
/// shares with it (coturn's `use-auth-secret`): each online login gets a credential of its own
/// that coturn checks by itself, so no static relay password exists anywhere.
public struct RelaySettings: Sendable {
    /// The STUN/TURN server as clients reach it, `HOST:PORT` (coturn's TCP listener).
    public var server: String
    /// coturn's `static-auth-secret`. Never logged.
    var secret: String
    /// How long a credential lasts. 24 h: a client that logs in at least daily can allocate its
    /// relay before its next login with the cached one (docs/reachability.md 3.3).
    public var credentialSeconds: Int = 86_400

    /// Settings for `server`, sharing `secret` with it.
    public init(server: String, secret: String) {
        self.server = server
        self.secret = secret
    }

    /// A fresh credential for one login: the user part is random, so the relay (which sees the
    /// TURN username in clear) learns nothing of who logs in.
    func reachability(now: Date = Date()) -> Components.Schemas.Reachability {
        let expiry = Int(now.timeIntervalSince1970) + credentialSeconds
        let user = (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let credentials = TurnCredentials(sharedSecret: secret, user: user, expiry: expiry)
        return .init(
            turnServer: server, username: credentials.username, password: credentials.password,
            expiresAt: Date(timeIntervalSince1970: TimeInterval(expiry))
        )
    }
}
