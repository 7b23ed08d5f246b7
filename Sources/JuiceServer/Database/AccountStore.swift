import Foundation
import JuiceCore
import Postgres
import Sodium

/// Accounts, sessions, presence and buddies in PostgreSQL. Holds no state of its own, so any
/// number of `juiced` instances can share one database.
struct AccountStore: Sendable {
    let pool: PostgresPool
    /// This instance's rendezvous, which is handed the presence changes its own streams must
    /// hear of, rather than notified (``announce(_:_:)``); nil for none.
    var rendezvous: RendezvousStreams? = nil

    /// Creates an account, unless `source` already tried `limit` registrations this hour.
    func createAccount(username: Username, verifier: AuthVerifier, identity: SealedIdentity, source: ClientSource, limit: Int) async throws {
        let row = try await pool.withConnection { db in
            try db.execute(AccountSQL.createAccount, [
                username.value, verifier.hash, verifier.salt, identity.publicKey, identity.sealedSecret, source.description, limit, 3600,
            ]).first
        }
        guard let row, try row.decode("allowed", as: Bool.self) else {
            let wait = max(1, try row?.decode("remaining", as: Int.self) ?? 3600)
            throw AccountError.limitReached("too many accounts registered from your address; try again in \(wait) s", retryAfterSeconds: wait)
        }
        guard try row.decode("account_id", as: Int64?.self) != nil else {
            // Nothing inserted, so a unique constraint stood in the way: the name, else the key.
            throw try row.decode("username_taken", as: Bool.self) ? AccountError.usernameTaken : AccountError.publicKeyTaken
        }
    }

    func authenticate(tokenHash: [UInt8]) async throws -> SessionPrincipal? {
        try await pool.withConnection { db in
            guard let row = try db.execute(AccountSQL.authenticate, [tokenHash]).first else { return nil }
            return SessionPrincipal(
                accountID: try row.decode("account_id"),
                username: try Username(try row.decode("username", as: String.self)),
                tokenHash: tokenHash
            )
        }
    }

    func renew(tokenHash: [UInt8], leaseSeconds: Int, update: PresenceUpdate) async throws -> PresenceLease? {
        try await pool.withConnection { db in
            let binds: [any PostgresBindable] = [
                tokenHash, leaseSeconds, update.endpoint?.description, update.camera, update.mic,
                update.status?.rawValue, update.statusText, update.candidates.map { $0.map(\.description).joined(separator: ",") },
            ]
            guard let row = try db.execute(AccountSQL.renew, binds).first else { return nil }
            guard let peerID = PeerID(rawValue: try row.decode("peer_id")) else {
                throw PostgresError(.decoding, message: "peer ID out of range")
            }
            // New candidates reach the buddies' streams as an introduction (same peer ID).
            if update.candidates != nil { try announce(db, [try row.decode("account_id", as: Int64.self)]) }
            return PresenceLease(peerID: peerID, seconds: leaseSeconds, expiresAt: try Self.date(row, "lease_expires_at"))
        }
    }

    /// True when a live session was revoked. An online one's going offline is announced.
    func logout(tokenHash: [UInt8]) async throws -> Bool {
        try await pool.withConnection { db in
            let row = try db.execute(AccountSQL.logout, [tokenHash]).first
            if let account = try row?.decode("account_id", as: Int64?.self) {
                try announce(db, [account])
                try Self.checkStream(db, accountID: account, instance: try row?.decode("stream_instance", as: Int64?.self))
            }
            return try row?.decode("sessions", as: Int.self) == 1
        }
    }

    func buddies(accountID: Int64) async throws -> [BuddyEntry] {
        try await pool.withConnection { db in try Self.buddies(db, accountID: accountID) }
    }

    func requestBuddy(accountID: Int64, buddy: Username, maxPending: Int) async throws -> BuddyEntry {
        try await pool.withConnection { db in
            let row = try db.execute(AccountSQL.requestBuddy, [accountID, buddy.value, maxPending]).first
            guard let target = try row?.decode("target_id", as: Int64?.self) else { throw AccountError.notFound("no user named \(buddy)") }
            switch try row?.decode("outcome", as: String.self) {
            case "full": throw AccountError.limitReached("\(buddy) has too many buddy requests waiting; try again later", retryAfterSeconds: 3600)
            case "accepted": try db.execute(AccountSQL.announcePair, [accountID, target])
            default: break
            }
            return try Self.buddy(db, accountID: accountID, username: buddy)
        }
    }

    func acceptBuddy(accountID: Int64, buddy: Username) async throws -> BuddyEntry {
        try await pool.withConnection { db in
            guard let buddyID = try db.execute(AccountSQL.acceptBuddy, [accountID, buddy.value]).first?.decode("buddy_id", as: Int64.self) else {
                throw AccountError.notFound("no buddy request from \(buddy)")
            }
            try db.execute(AccountSQL.announcePair, [accountID, buddyID])
            return try Self.buddy(db, accountID: accountID, username: buddy)
        }
    }

    func removeBuddy(accountID: Int64, buddy: Username) async throws {
        try await pool.withConnection { db in
            guard let buddyID = try db.execute(AccountSQL.removeBuddy, [accountID, buddy.value]).first?.decode("buddy_id", as: Int64.self) else {
                throw AccountError.notFound("\(buddy) is not on your buddy list")
            }
            try db.execute(AccountSQL.announcePair, [accountID, buddyID])
        }
    }

    /// Replaces the verifier and re-sealed secret once `current` checks out through the one
    /// throttle, like a login; every session but `keepTokenHash` ends.
    func changePassword(
        username: Username, source: ClientSource, current: SecretBytes, new: AuthVerifier, sealedSecret: [UInt8], keepTokenHash: [UInt8], throttle: AuthThrottle
    ) async throws {
        try await pool.withConnection { db in
            try Self.checkingPassword(db, username: username, source: source, authKey: current, throttle: throttle) { account, _ in
                let binds: [any PostgresBindable] = [account.id, new.hash, new.salt, sealedSecret, keepTokenHash, account.verifier.hash]
                let changed = try db.execute(AccountSQL.changePassword, binds).first?.decode("changed", as: Int.self) == 1
                try db.execute(AccountSQL.authUnlock, [username.value])
                guard changed else { throw AccountError.invalidCredentials }
                // The revoked sessions' stream is told by the sessions_revoked trigger; buddies
                // hear of the presence that went offline here.
                try announce(db, [account.id])
            }
        }
    }

    /// Writes 0 for lapsed presence (and announces it) and deletes dead rows; returns how many.
    func reap() async throws -> (leases: Int, sessions: Int) {
        try await pool.withConnection { db in
            let leases = try expirePresence(db)
            let row = try db.execute(AccountSQL.reap).first
            return (leases, try row?.decode("sessions") ?? 0)
        }
    }

    /// True when the database answers.
    func ping() async -> Bool {
        (try? await pool.withConnection { db in try db.query("SELECT 1").rows.count == 1 }) ?? false
    }

    static func buddies(_ db: PostgresConnection, accountID: Int64) throws -> [BuddyEntry] {
        try db.execute(AccountSQL.buddyList, [accountID]).rows.map(entry)
    }

    private static func buddy(_ db: PostgresConnection, accountID: Int64, username: Username) throws -> BuddyEntry {
        guard let row = try db.execute(AccountSQL.buddyEntry, [accountID, username.value]).first else {
            throw AccountError.notFound("\(username) is not on your buddy list")
        }
        return try entry(row)
    }

    static func entry(_ row: PostgresRow) throws -> BuddyEntry {
        guard let relation = BuddyEntry.Relation(rawValue: try row.decode("relation")),
              let peerID = PeerID(rawValue: try row.decode("peer_id")) else {
            throw PostgresError(.decoding, message: "unexpected buddy row")
        }
        return BuddyEntry(
            username: try Username(try row.decode("username", as: String.self)),
            relation: relation,
            publicKey: try row.decode("public_key", as: [UInt8]?.self),
            peerID: peerID,
            endpoint: try row.decode("endpoint", as: String?.self),
            // Checked when stored; one that no longer parses is left out rather than fail the list.
            candidates: try row.decode("candidates", as: String.self).split(separator: ",").compactMap { try? Candidate(stored: String($0)) },
            status: try row.decode("status"),
            statusText: try row.decode("status_text"),
            capabilities: Capabilities(camera: try row.decode("camera"), mic: try row.decode("mic"))
        )
    }

    static func date(_ row: PostgresRow, _ column: String) throws -> Date {
        Date(timeIntervalSince1970: try row.decode(column, as: Double.self))
    }
}
