import Foundation
import JuiceAPI
import JuiceRelay
import Sodium

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

    /// A fresh credential for a login of account `accountID`. The user part is a pseudonym of the
    /// account (a keyed BLAKE2b of its ID under the shared secret, 16 hex digits): the relay, which
    /// sees the TURN username in clear, learns nothing of who logs in, yet its per-user quota
    /// (`user-quota`) counts every login of one account together.
    func reachability(accountID: Int64, now: Date = Date()) -> Components.Schemas.Reachability {
        let expiry = Int(now.timeIntervalSince1970) + credentialSeconds
        let user = Self.pseudonym(accountID: accountID, secret: secret)
        let credentials = TurnCredentials(sharedSecret: secret, user: user, expiry: expiry)
        return .init(
            turnServer: server, username: credentials.username, password: credentials.password,
            expiresAt: Date(timeIntervalSince1970: TimeInterval(expiry))
        )
    }

    /// The account's pseudonym on the relay: the first 8 bytes of a 16-byte keyed BLAKE2b (its
    /// shortest output). Hashing with these lengths cannot fail; if it did, a random user part
    /// would only cost the quota its grouping.
    static func pseudonym(accountID: Int64, secret: String) -> String {
        let id = withUnsafeBytes(of: accountID.bigEndian) { Array($0) }
        let key = try? GenericHash.hash(Array("juice relay pseudonym".utf8) + Array(secret.utf8), outputLength: 32)
        let digest: [UInt8]? = key.flatMap { key in try? GenericHash.hash(id, outputLength: 16, key: SecretBytes(key)) }
        return (digest ?? (0..<16).map { _ in UInt8.random(in: 0...255) }).prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}
