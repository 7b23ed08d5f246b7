import Foundation
import JuiceCore

/// What a check of a password-derived key knows about a username, read under its lock: the
/// account, if it exists, and its failure windows (``AuthThrottle``).
struct AuthRecord: Sendable {
    struct Account: Sendable {
        let id: Int64
        let verifier: AuthVerifier
        let identity: SealedIdentity
    }

    /// Failures in a window, and the seconds it has left (nil when no window is open).
    struct Window: Sendable {
        let failures: Int
        let remaining: Int?
    }

    /// nil when no such user.
    let account: Account?
    /// This username from this source.
    let pair: Window
    /// This username from every source.
    let name: Window
    /// This source for every username.
    let source: Window
    /// Whether the user has logged in from this source before.
    let knownSource: Bool
    /// Whether that was within the last day (else the success refreshes it).
    var sourceSeenToday = false
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
    /// Empty unless an accepted buddy with a valid lease.
    let candidates: [Candidate]
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
    /// Replaces the candidates when set.
    var candidates: [Candidate]?
}

/// A subject of presence announcements as its accepted buddies see it: what the rendezvous
/// re-reads for a batch of notifications (docs/reachability.md 2.8).
struct AnnouncedEntry: Sendable {
    /// The subject's entry on an accepted buddy's list.
    let entry: BuddyEntry
    /// The recipients asked about whose accepted buddy the subject is; the others are not, or no
    /// longer.
    let acceptedBy: Set<Int64>
}
