import Postgres

/// Every statement the service runs, prepared once per connection. Kept in one place so that the
/// benchmarks can replay exactly the SQL that a login runs; by responsibility in `AccountSQL+*.swift`.
public enum AccountSQL {
    /// Creates an account unless its source already registered $7 times in the current window of
    /// $8 seconds. Every attempt counts, also one refused for a taken name or key, so probing
    /// which names exist costs the same budget. Returns `allowed`, `remaining` (seconds of the
    /// window), `account_id` (NULL when none was made) and `username_taken`.
    /// $1 username, $2 verifier, $3 verifier salt, $4 public key, $5 sealed secret, $6 source, $7 limit, $8 window seconds.
    public static let createAccount = PreparedStatement("create_account", """
        WITH counted AS (
            INSERT INTO registration_windows AS w (source, registrations, window_started_at) VALUES ($6, 1, now())
            ON CONFLICT (source) DO UPDATE SET
                registrations = CASE WHEN w.window_started_at <= now() - make_interval(secs => $8) THEN 1 ELSE w.registrations + 1 END,
                window_started_at = CASE WHEN w.window_started_at <= now() - make_interval(secs => $8) THEN now() ELSE w.window_started_at END
            RETURNING registrations, ceil(extract(epoch FROM window_started_at + make_interval(secs => $8) - now()))::int AS remaining
        ), account AS (
            INSERT INTO accounts (username, verifier, verifier_salt, public_key, sealed_secret)
            SELECT $1, $2, $3, $4, $5 FROM counted WHERE registrations <= $7
            ON CONFLICT DO NOTHING
            RETURNING id
        ), presence AS (
            INSERT INTO presence_state (account_id) SELECT id FROM account RETURNING account_id
        )
        SELECT registrations <= $7 AS allowed, remaining, (SELECT account_id FROM presence) AS account_id,
               EXISTS (SELECT 1 FROM accounts WHERE username = $1) AS username_taken
        FROM counted
        """)

    /// Replaces the verifier and sealed secret if the verifier is still $6; revokes every other session.
    /// $1 account, $2 verifier, $3 salt, $4 sealed secret, $5 current token hash, $6 old verifier.
    public static let changePassword = PreparedStatement("change_password", """
        WITH account AS (
            UPDATE accounts SET verifier = $2, verifier_salt = $3, sealed_secret = $4, password_changed_at = now()
            WHERE id = $1 AND verifier = $6 RETURNING id
        ), revoked AS (
            DELETE FROM sessions WHERE account_id = (SELECT id FROM account) AND token_hash <> $5 RETURNING online
        ), offline AS (
            UPDATE presence_state SET peer_id = 0, endpoint = NULL, lease_expires_at = NULL, since = now()
            WHERE account_id = (SELECT id FROM account) AND EXISTS (SELECT 1 FROM revoked WHERE online)
            RETURNING 1
        )
        SELECT count(*) AS changed FROM account
        """)

    /// Deletes dead sessions (expired, and not held up by an open stream), old failure windows
    /// and addresses not used for 90 days. Lapsed presence is ``expirePresence``'s.
    public static let reap = PreparedStatement("reap", """
        WITH sessions AS (
            DELETE FROM sessions WHERE expires_at <= now() AND NOT (online AND stream_live(account_id)) RETURNING 1
        ), failures AS (
            DELETE FROM auth_failures WHERE window_started_at < now() - interval '1 day' RETURNING 1
        ), forgotten AS (
            DELETE FROM known_sources WHERE last_success_at < now() - interval '90 days' RETURNING 1
        ), registrations AS (
            DELETE FROM registration_windows WHERE window_started_at < now() - interval '1 day' RETURNING 1
        )
        SELECT (SELECT count(*) FROM sessions) AS sessions
        """)
}
