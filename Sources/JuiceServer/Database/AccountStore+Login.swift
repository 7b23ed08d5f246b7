import Foundation
import JuiceCore
import Postgres
import Sodium

/// What a login starts once its credentials check out.
enum LoginSession: Sendable {
    /// Presence published and the online session replaced.
    case online(endpoint: Endpoint, capabilities: Capabilities, status: PresenceStatus, statusText: String, leaseSeconds: Int)
    /// A short-lived token for account commands; presence untouched.
    case command(seconds: Int)
}

/// A successful login: the user's sealed identity, the lease and the buddy list.
struct StartedSession: Sendable {
    let identity: SealedIdentity
    let lease: PresenceLease
    let buddies: [BuddyEntry]
}

extension AccountStore {
    /// A whole login on one pooled connection, so one thread hop: the failure window and the auth
    /// key are checked, then either the failure is counted and ``AccountError/invalidCredentials``
    /// thrown, or the session starts. Unknown users are checked against a decoy verifier so that
    /// both failures take the same time.
    func login(
        username: Username, authKey: SecretBytes, settings: AccountSettings, tokenHash: [UInt8], session: LoginSession
    ) async throws -> StartedSession {
        try await pool.withConnection { db in
            let window = settings.loginFailureWindowSeconds
            let record = try Self.loginRecord(db, username: username, windowSeconds: window)
            if record.failures >= settings.maxLoginFailures, let remaining = record.windowRemaining, remaining > 0 {
                throw AccountError.throttled(retryAfterSeconds: remaining)
            }
            guard (record.account?.verifier ?? .decoy).matches(authKey), let account = record.account else {
                try db.execute(AccountSQL.recordFailure, [username.value, window])
                throw AccountError.invalidCredentials
            }
            if record.failures > 0 { try db.execute(AccountSQL.clearFailures, [username.value]) }
            let (lease, buddies) = switch session {
            case let .online(endpoint, capabilities, status, statusText, leaseSeconds):
                try Self.goOnline(db, accountID: account.id, tokenHash: tokenHash, leaseSeconds: leaseSeconds, endpoint: endpoint,
                                  capabilities: capabilities, status: status, statusText: statusText)
            case let .command(seconds):
                try Self.startCommandSession(db, accountID: account.id, tokenHash: tokenHash, seconds: seconds)
            }
            return StartedSession(identity: account.identity, lease: lease, buddies: buddies)
        }
    }

    private static func loginRecord(_ db: PostgresConnection, username: Username, windowSeconds: Int) throws -> LoginRecord {
        guard let row = try db.execute(AccountSQL.loginRecord, [username.value, windowSeconds]).first else {
            throw PostgresError(.decoding, message: "login record returned no row")
        }
        let account = try row.decode("id", as: Int64?.self).map { id in
            LoginRecord.Account(
                id: id,
                verifier: AuthVerifier(hash: try row.decode("verifier"), salt: try row.decode("verifier_salt")),
                identity: try SealedIdentity(publicKey: try row.decode("public_key"), sealedSecret: try row.decode("sealed_secret"))
            )
        }
        return LoginRecord(account: account, failures: try row.decode("failures"), windowRemaining: try row.decode("window_remaining", as: Int?.self))
    }

    /// Replaces the online session, publishes presence and reads the buddy list, in one statement.
    private static func goOnline(
        _ db: PostgresConnection, accountID: Int64, tokenHash: [UInt8], leaseSeconds: Int,
        endpoint: Endpoint, capabilities: Capabilities, status: PresenceStatus, statusText: String
    ) throws -> (PresenceLease, [BuddyEntry]) {
        var attempt = 0
        while true {
            attempt += 1
            let peerID = PeerID.random()
            do {
                let rows = try db.execute(AccountSQL.goOnline, [
                    accountID, tokenHash, leaseSeconds, peerID.rawValue, endpoint.description,
                    capabilities.camera, capabilities.mic, status.rawValue, statusText,
                ]).rows
                guard let first = rows.first else { throw PostgresError(.decoding, message: "account has no presence row") }
                let lease = PresenceLease(peerID: peerID, seconds: leaseSeconds, expiresAt: try date(first, "lease_expires_at"))
                return (lease, try rows.filter { try $0.text("username") != nil }.map(entry))
            } catch let error as PostgresError where error.isUniqueViolation && attempt < 3 {
                continue // a peer ID collision (about 2^-53): draw again
            }
        }
    }

    private static func startCommandSession(_ db: PostgresConnection, accountID: Int64, tokenHash: [UInt8], seconds: Int) throws -> (PresenceLease, [BuddyEntry]) {
        guard let row = try db.execute(AccountSQL.startCommandSession, [accountID, tokenHash, seconds]).first else {
            throw PostgresError(.decoding, message: "session insert returned no row")
        }
        let lease = PresenceLease(peerID: .offline, seconds: seconds, expiresAt: try date(row, "lease_expires_at"))
        return (lease, try buddies(db, accountID: accountID))
    }
}
