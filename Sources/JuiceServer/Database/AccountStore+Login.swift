import Foundation
import JuiceCore
import Postgres
import Sodium

/// What a login starts once its credentials check out.
enum LoginSession: Sendable {
    /// Presence published and the online session replaced.
    /// `streamInstance` is this instance's ID when the reply is a rendezvous stream.
    /// `prekeys` are stored after the session (docs/protocol.md 5.1).
    case online(endpoint: Endpoint, candidates: [Candidate], capabilities: Capabilities, status: PresenceStatus, statusText: String, leaseSeconds: Int, streamInstance: Int64?, prekeys: PrekeyUpload?)
    /// A short-lived token for account commands; presence untouched.
    case command(seconds: Int)
}

/// A successful login: the user's sealed identity, the lease and the buddy list.
struct StartedSession: Sendable {
    let accountID: Int64
    let identity: SealedIdentity
    let lease: PresenceLease
    let buddies: [BuddyEntry]
    /// What the mailbox holds for an online login; nil for a command login.
    var mailbox: MailboxSnapshot? = nil
}

extension AccountStore {
    /// A whole login on one pooled connection, so one thread hop: the check of the auth key
    /// (``checkingPassword(_:username:source:authKey:throttle:success:)``), then the session,
    /// then (once that committed) the announcement of an online one to its buddies' streams.
    func login(
        username: Username, source: ClientSource, authKey: SecretBytes, settings: AccountSettings, tokenHash: [UInt8], session: LoginSession
    ) async throws -> StartedSession {
        try await pool.withConnection { db in
            let started = try Self.checkingPassword(db, username: username, source: source, authKey: authKey, throttle: settings.throttle) { account, outcome in
                switch session {
                case let .online(endpoint, candidates, capabilities, status, statusText, leaseSeconds, streamInstance, prekeys):
                    let online = try Self.goOnline(
                        db, accountID: account.id, tokenHash: tokenHash, leaseSeconds: leaseSeconds, endpoint: endpoint, candidates: candidates,
                        capabilities: capabilities, status: status, statusText: statusText, streamInstance: streamInstance,
                        prekeySet: prekeys?.set, outcome: outcome
                    )
                    let mailbox = MailboxSnapshot(prekeysLeft: prekeys == nil ? nil : online.prekeysLeft)
                    let started = StartedSession(accountID: account.id, identity: account.identity, lease: online.lease, buddies: online.buddies, mailbox: mailbox)
                    return (started, online.previousStream, (online.otherSet, online.hasMail))
                case let .command(seconds):
                    let (lease, buddies) = try Self.startCommandSession(db, accountID: account.id, tokenHash: tokenHash, seconds: seconds,
                                                                         maxSessions: settings.maxCommandSessions, outcome: outcome)
                    return (StartedSession(accountID: account.id, identity: account.identity, lease: lease, buddies: buddies), nil, (false, false))
                }
            }
            var result = started.0
            if case let .online(_, _, _, _, _, _, streamInstance, prekeys) = session {
                try announce(db, [result.accountID])
                try Self.checkStream(db, accountID: result.accountID, instance: started.1, unless: streamInstance)
                result.mailbox = try Self.mailbox(db, accountID: result.accountID, prekeys: prekeys, prekeysLeft: result.mailbox?.prekeysLeft, otherSet: started.2.0, hasMail: started.2.1)
            }
            return result
        }
    }

    /// What ``goOnline(_:accountID:tokenHash:leaseSeconds:endpoint:candidates:capabilities:status:statusText:streamInstance:prekeySet:outcome:)`` returns.
    private struct WentOnline {
        let lease: PresenceLease
        let buddies: [BuddyEntry]
        /// The instance that held the replaced session's stream.
        let previousStream: Int64?
        /// Unclaimed prekeys of the login's set.
        let prekeysLeft: Int
        /// Whether another set's prekeys (another machine's) are stored.
        let otherSet: Bool
        /// Whether messages or receipts wait in the mailbox.
        let hasMail: Bool
    }

    /// Replaces the online session, publishes presence and reads the buddy list, in one statement.
    private static func goOnline(
        _ db: PostgresConnection, accountID: Int64, tokenHash: [UInt8], leaseSeconds: Int,
        endpoint: Endpoint, candidates: [Candidate], capabilities: Capabilities, status: PresenceStatus, statusText: String, streamInstance: Int64?,
        prekeySet: [UInt8]?, outcome: CheckOutcome
    ) throws -> WentOnline {
        var attempt = 0
        while true {
            attempt += 1
            let peerID = PeerID.random()
            do {
                let rows = try db.execute(AccountSQL.goOnline, [
                    accountID, tokenHash, leaseSeconds, peerID.rawValue, endpoint.description,
                    capabilities.camera, capabilities.mic, status.rawValue, statusText,
                    outcome.username.value, outcome.source.description, outcome.clearFailures, outcome.rememberSource, streamInstance,
                    candidates.map(\.description).joined(separator: ","), prekeySet,
                ]).rows
                guard let first = rows.first else { throw PostgresError(.decoding, message: "account has no presence row") }
                return WentOnline(
                    lease: PresenceLease(peerID: peerID, seconds: leaseSeconds, expiresAt: try date(first, "lease_expires_at")),
                    buddies: try rows.filter { try $0.text("username") != nil }.map(entry),
                    previousStream: try first.decode("previous_stream_instance", as: Int64?.self),
                    prekeysLeft: try first.decode("prekeys_left", as: Int.self),
                    otherSet: try first.decode("other_set", as: Bool.self),
                    hasMail: try first.decode("has_mail", as: Bool.self)
                )
            } catch let error as PostgresError where error.isUniqueViolation && attempt < 3 {
                continue // a peer ID collision (about 2^-53): draw again
            }
        }
    }

    private static func startCommandSession(
        _ db: PostgresConnection, accountID: Int64, tokenHash: [UInt8], seconds: Int, maxSessions: Int, outcome: CheckOutcome
    ) throws -> (PresenceLease, [BuddyEntry]) {
        let binds: [any PostgresBindable] = [
            accountID, tokenHash, seconds, outcome.username.value, outcome.source.description, outcome.clearFailures, outcome.rememberSource, maxSessions,
        ]
        guard let row = try db.execute(AccountSQL.startCommandSession, binds).first else {
            throw PostgresError(.decoding, message: "session insert returned no row")
        }
        let lease = PresenceLease(peerID: .offline, seconds: seconds, expiresAt: try date(row, "lease_expires_at"))
        return (lease, try buddies(db, accountID: accountID))
    }
}
