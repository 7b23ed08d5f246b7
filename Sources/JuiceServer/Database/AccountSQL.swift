import Postgres

/// Every statement the service runs, prepared once per connection. Kept in one place so that the
/// benchmarks can replay exactly the SQL that a login runs.
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

    /// Login step 2 (online), in one round trip: replaces the user's online session, publishes
    /// presence, settles the check (``settled(account:username:source:clear:remember:)``) and
    /// releases its lock, and returns the lease with the whole buddy list (one row per buddy; a
    /// single row with NULL buddy columns when there are none).
    /// $1 account, $2 token hash, $3 lease seconds, $4 peer ID, $5 endpoint, $6 camera, $7 mic, $8 status, $9 status text,
    /// $10 username, $11 source, $12 clear failures, $13 remember source.
    public static let goOnline = PreparedStatement("go_online", """
        WITH \(settled(account: "$1", username: "$10", source: "$11", clear: "$12", remember: "$13")), session AS (
            INSERT INTO sessions (token_hash, account_id, online, expires_at)
            VALUES ($2, $1, true, now() + make_interval(secs => $3))
            ON CONFLICT (account_id) WHERE online DO UPDATE
                SET token_hash = EXCLUDED.token_hash, created_at = now(), expires_at = EXCLUDED.expires_at
            RETURNING expires_at
        ), me AS (
            UPDATE presence_state
            SET peer_id = $4, endpoint = $5, camera = $6, mic = $7, status = $8, status_text = $9,
                since = now(), lease_expires_at = (SELECT expires_at FROM session)
            WHERE account_id = $1
            RETURNING lease_expires_at, pg_advisory_unlock(auth_lock_key($10)) AS unlocked
        )
        SELECT extract(epoch FROM me.lease_expires_at)::float8 AS lease_expires_at, buddy.*
        FROM me LEFT JOIN LATERAL (\(buddySelect)) buddy ON true
        ORDER BY buddy.username
        """)

    /// Login step 2 (offline, for account commands): a short-lived token, presence untouched; the
    /// check settled and its lock released. A user keeps at most $8 command tokens: the oldest go.
    /// $1 account, $2 token hash, $3 seconds, $4 username, $5 source, $6 clear failures, $7 remember source, $8 most tokens.
    public static let startCommandSession = PreparedStatement("start_command_session", """
        WITH \(settled(account: "$1", username: "$4", source: "$5", clear: "$6", remember: "$7")), pruned AS (
            DELETE FROM sessions WHERE token_hash IN (
                SELECT token_hash FROM sessions WHERE account_id = $1 AND NOT online ORDER BY created_at DESC OFFSET $8::int - 1
            )
        )
        INSERT INTO sessions (token_hash, account_id, online, expires_at)
        VALUES ($2, $1, false, now() + make_interval(secs => $3))
        RETURNING extract(epoch FROM expires_at)::float8 AS lease_expires_at, pg_advisory_unlock(auth_lock_key($4)) AS unlocked
        """)

    /// The columns of a buddy entry as seen by account $1; presence only for accepted buddies
    /// whose lease is valid.
    static let buddySelect = """
        SELECT a.username,
               CASE WHEN b.accepted_at IS NOT NULL THEN 'accepted'
                    WHEN b.requester_id = $1 THEN 'outgoing' ELSE 'incoming' END AS relation,
               CASE WHEN b.accepted_at IS NOT NULL THEN a.public_key END AS public_key,
               CASE WHEN v.visible THEN p.peer_id ELSE 0 END AS peer_id,
               CASE WHEN v.visible THEN p.endpoint END AS endpoint,
               CASE WHEN v.visible THEN p.status ELSE 'offline' END AS status,
               CASE WHEN v.visible THEN p.status_text ELSE '' END AS status_text,
               (v.visible AND p.camera) AS camera,
               (v.visible AND p.mic) AS mic
        FROM buddies b
        JOIN accounts a ON a.id = CASE WHEN b.requester_id = $1 THEN b.addressee_id ELSE b.requester_id END
        JOIN presence_state p ON p.account_id = a.id
        CROSS JOIN LATERAL (SELECT b.accepted_at IS NOT NULL AND p.peer_id <> 0 AND p.lease_expires_at > now() AS visible) v
        WHERE (b.requester_id = $1 OR b.addressee_id = $1)
        """

    /// Login step 3, and the buddy list. $1 account.
    public static let buddyList = PreparedStatement("buddy_list", buddySelect + " ORDER BY a.username")

    /// One buddy entry. $1 account, $2 buddy username.
    public static let buddyEntry = PreparedStatement("buddy_entry", buddySelect + " AND a.username = $2")

    /// The session behind a token. $1 token hash.
    public static let authenticate = PreparedStatement("authenticate", """
        SELECT s.account_id, a.username
        FROM sessions s JOIN accounts a ON a.id = s.account_id
        WHERE s.token_hash = $1 AND s.expires_at > now()
        """)

    /// Extends an online session's lease and applies optional presence changes.
    /// $1 token hash, $2 lease seconds, $3 endpoint, $4 camera, $5 mic, $6 status, $7 status text.
    public static let renew = PreparedStatement("renew", """
        WITH session AS (
            UPDATE sessions SET expires_at = now() + make_interval(secs => $2)
            WHERE token_hash = $1 AND online AND expires_at > now()
            RETURNING account_id, expires_at
        )
        UPDATE presence_state p
        SET lease_expires_at = session.expires_at,
            endpoint = coalesce($3, p.endpoint), camera = coalesce($4, p.camera), mic = coalesce($5, p.mic),
            status = coalesce($6, p.status), status_text = coalesce($7, p.status_text)
        FROM session
        WHERE p.account_id = session.account_id AND p.peer_id <> 0
        RETURNING p.peer_id, extract(epoch FROM p.lease_expires_at)::float8 AS lease_expires_at
        """)

    /// Revokes a token and, for an online session, sets the peer ID to 0. $1 token hash.
    public static let logout = PreparedStatement("logout", """
        WITH session AS (
            DELETE FROM sessions WHERE token_hash = $1 AND expires_at > now() RETURNING account_id, online
        ), offline AS (
            UPDATE presence_state p SET peer_id = 0, endpoint = NULL, lease_expires_at = NULL, since = now()
            FROM session WHERE session.online AND p.account_id = session.account_id
            RETURNING 1
        )
        SELECT count(*) AS sessions FROM session
        """)

    /// Asks $2 (username) to be buddies with $1, or accepts at once if $2 already asked $1, in one
    /// upsert on the pair's unique index, so two people asking each other at the same moment
    /// always end accepted. A new request needs $2 to have fewer than $3 pending requests.
    /// Returns `target_id` (NULL: no such user) and `outcome`: `requested`, `accepted`,
    /// `unchanged` (already asked or already buddies) or `full`.
    public static let requestBuddy = PreparedStatement("request_buddy", """
        WITH target AS (SELECT id FROM accounts WHERE username = $2 AND id <> $1),
        room AS (
            SELECT count(*) < $3 AS ok FROM buddies WHERE addressee_id = (SELECT id FROM target) AND accepted_at IS NULL
        ),
        upserted AS (
            INSERT INTO buddies AS b (requester_id, addressee_id)
            SELECT $1, id FROM target
            WHERE (SELECT ok FROM room) OR EXISTS ( -- an existing pair is no new request
                SELECT 1 FROM buddies WHERE requester_id IN ($1, (SELECT id FROM target)) AND addressee_id IN ($1, (SELECT id FROM target))
            )
            ON CONFLICT (LEAST(requester_id, addressee_id), GREATEST(requester_id, addressee_id))
            DO UPDATE SET accepted_at = coalesce(b.accepted_at, now()) WHERE b.requester_id = EXCLUDED.addressee_id
            RETURNING (xmax = 0) AS inserted
        )
        SELECT (SELECT id FROM target) AS target_id,
               CASE WHEN NOT EXISTS (SELECT 1 FROM upserted) THEN
                        CASE WHEN (SELECT ok FROM room) THEN 'unchanged' ELSE 'full' END
                    WHEN (SELECT inserted FROM upserted) THEN 'requested' ELSE 'accepted' END AS outcome
        """)

    /// Accepts $2's (username) pending request to $1.
    public static let acceptBuddy = PreparedStatement("accept_buddy", """
        UPDATE buddies SET accepted_at = coalesce(accepted_at, now())
        WHERE requester_id = (SELECT id FROM accounts WHERE username = $2) AND addressee_id = $1
        RETURNING 1
        """)

    /// Removes the relation between $1 and $2 (username), whichever side asked.
    public static let removeBuddy = PreparedStatement("remove_buddy", """
        DELETE FROM buddies b USING accounts t
        WHERE t.username = $2
          AND ((b.requester_id = $1 AND b.addressee_id = t.id) OR (b.requester_id = t.id AND b.addressee_id = $1))
        RETURNING 1
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

    /// Writes 0 for every expired lease and deletes dead sessions, old failure windows and
    /// addresses not used for 90 days.
    public static let reap = PreparedStatement("reap", """
        WITH expired AS (
            UPDATE presence_state SET peer_id = 0, endpoint = NULL, lease_expires_at = NULL, since = now()
            WHERE peer_id <> 0 AND lease_expires_at <= now()
            RETURNING 1
        ), sessions AS (
            DELETE FROM sessions WHERE expires_at <= now() RETURNING 1
        ), failures AS (
            DELETE FROM auth_failures WHERE window_started_at < now() - interval '1 day' RETURNING 1
        ), forgotten AS (
            DELETE FROM known_sources WHERE last_success_at < now() - interval '90 days' RETURNING 1
        ), registrations AS (
            DELETE FROM registration_windows WHERE window_started_at < now() - interval '1 day' RETURNING 1
        )
        SELECT (SELECT count(*) FROM expired) AS leases, (SELECT count(*) FROM sessions) AS sessions
        """)
}
