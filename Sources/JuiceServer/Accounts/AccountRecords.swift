import Foundation
import JuiceCore

/// What a login needs to know about a username: the account, if it exists, and its failure window.
struct LoginRecord: Sendable {
    struct Account: Sendable {
        let id: Int64
        let verifier: AuthVerifier
        let identity: SealedIdentity
    }

    /// nil when no such user.
    let account: Account?
    /// Failed logins in the current window.
    let failures: Int
    /// Seconds until the current failure window ends, if one is open.
    let windowRemaining: Int?
}

/// The caller behind a valid session token.
struct SessionPrincipal: Sendable {
    let accountID: Int64
    let username: Username
    let tokenHash: [UInt8]
}

/// A presence lease as granted or renewed.
struct PresenceLease: Sendable {
    let peerID: PeerID
    let seconds: Int
    let expiresAt: Date
}

/// How one user sees another on their buddy list.
struct BuddyEntry: Sendable, Equatable {
    enum Relation: String, Sendable { case accepted, incoming, outgoing }

    let username: Username
    let relation: Relation
    /// Only for accepted buddies.
    let publicKey: [UInt8]?
    /// 0 unless an accepted buddy with a valid lease.
    let peerID: PeerID
    let endpoint: String?
    /// `offline`, `online`, `away` or `busy`.
    let status: String
    let statusText: String
    let capabilities: Capabilities
}

/// Presence details a client publishes at login or renewal.
struct PresenceUpdate: Sendable {
    var endpoint: Endpoint?
    var camera: Bool?
    var mic: Bool?
    var status: PresenceStatus?
    var statusText: String?
}
