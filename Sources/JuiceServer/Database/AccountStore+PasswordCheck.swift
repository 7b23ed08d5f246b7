import JuiceCore
import Postgres
import Sodium

/// How a successful check ends: the bookkeeping every success does, passed to the statement that
/// does the check's own work (``AccountSQL/settled(account:username:source:clear:remember:)``).
struct CheckOutcome: Sendable {
    let username: Username
    let source: ClientSource
    /// Forget this username's failures from this source.
    let clearFailures: Bool
    /// Remember (or refresh) this source as one the user logs in from.
    let rememberSource: Bool
}

extension AccountStore {
    /// Checks `authKey` for `username` through the one throttle (``AuthThrottle``), on one
    /// connection: takes the username's lock and reads the counts, then refuses (429), or counts
    /// a failure (401), or runs `success`, which must release the lock in its own statement.
    /// Unknown users are checked against a decoy verifier, so both failures take the same time.
    static func checkingPassword<T>(
        _ db: PostgresConnection, username: Username, source: ClientSource, authKey: SecretBytes, throttle: AuthThrottle,
        success: (AuthRecord.Account, CheckOutcome) throws -> T
    ) throws -> T {
        do {
            let record = try authRecord(db, username: username, source: source, windowSeconds: throttle.windowSeconds)
            if let retryAfter = throttle.refusal(record) {
                try db.execute(AccountSQL.authUnlock, [username.value])
                throw AccountError.throttled(retryAfterSeconds: retryAfter)
            }
            guard (record.account?.verifier ?? .decoy).matches(authKey), let account = record.account else {
                try db.execute(AccountSQL.recordFailure, [username.value, source.description, throttle.windowSeconds])
                try db.execute(AccountSQL.authUnlock, [username.value]) // after the count is committed
                throw AccountError.invalidCredentials
            }
            let outcome = CheckOutcome(username: username, source: source, clearFailures: record.pair.failures > 0, rememberSource: !record.sourceSeenToday)
            return try success(account, outcome)
        } catch let error as AccountError {
            throw error
        } catch {
            // Whatever failed, this connection must not keep the username's lock.
            _ = try? db.execute(AccountSQL.unlockAll)
            throw error
        }
    }

    private static func authRecord(_ db: PostgresConnection, username: Username, source: ClientSource, windowSeconds: Int) throws -> AuthRecord {
        guard let row = try db.execute(AccountSQL.authCheckBegin, [username.value, source.description, windowSeconds]).first else {
            throw PostgresError(.decoding, message: "auth check returned no row")
        }
        let account = try row.decode("id", as: Int64?.self).map { id in
            AuthRecord.Account(
                id: id,
                verifier: AuthVerifier(hash: try row.decode("verifier"), salt: try row.decode("verifier_salt")),
                identity: try SealedIdentity(publicKey: try row.decode("public_key"), sealedSecret: try row.decode("sealed_secret"))
            )
        }
        func window(_ name: String) throws -> AuthRecord.Window {
            AuthRecord.Window(failures: try row.decode("\(name)_failures"), remaining: try row.decode("\(name)_remaining", as: Int?.self))
        }
        return AuthRecord(
            account: account, pair: try window("pair"), name: try window("name"), source: try window("source"),
            knownSource: try row.decode("known_source"), sourceSeenToday: try row.decode("source_seen_today")
        )
    }
}
