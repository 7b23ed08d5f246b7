import Postgres

/// The one password throttle's statements (Schema/0006): every check of a password-derived key
/// starts with ``authCheckBegin`` and ends in a statement that records or settles it.
extension AccountSQL {
    /// The start of every check of a password-derived key: takes the username's advisory lock and
    /// reads the account with its failure counts (`auth_check_begin`, Schema/0006).
    /// $1 username, $2 source, $3 window seconds.
    public static let authCheckBegin = PreparedStatement("auth_check_begin", "SELECT * FROM auth_check_begin($1, $2, $3)")

    /// Counts a failed check for the username and source, the username from any source, and the
    /// source for any username. $1 username, $2 source, $3 window seconds.
    public static let recordFailure = PreparedStatement("record_failure", """
        INSERT INTO auth_failures AS f (username, source, failures, window_started_at)
        VALUES ($1, $2, 1, now()), ($1, '*', 1, now()), ('*', $2, 1, now())
        ON CONFLICT (username, source) DO UPDATE SET
            failures = CASE WHEN f.window_started_at <= now() - make_interval(secs => $3) THEN 1 ELSE f.failures + 1 END,
            window_started_at = CASE WHEN f.window_started_at <= now() - make_interval(secs => $3) THEN now() ELSE f.window_started_at END
        """)

    /// Releases the username's check lock, once the outcome is committed. $1 username.
    public static let authUnlock = PreparedStatement("auth_unlock", "SELECT pg_advisory_unlock(auth_lock_key($1))")

    /// Releases every advisory lock this connection holds, after an unexpected error.
    public static let unlockAll = PreparedStatement("unlock_all", "SELECT pg_advisory_unlock_all()")

    /// What every successful check does besides its own work, as CTEs: forget the failures of
    /// this username from this source (when `clear`), and remember the source (when `remember`).
    static func settled(account: String, username: String, source: String, clear: String, remember: String) -> String {
        """
        cleared AS (
            DELETE FROM auth_failures WHERE \(clear) AND username = \(username) AND source = \(source)
        ), remembered AS (
            INSERT INTO known_sources (account_id, source) SELECT \(account), \(source) WHERE \(remember)
            ON CONFLICT (account_id, source) DO UPDATE SET last_success_at = now()
        )
        """
    }
}
