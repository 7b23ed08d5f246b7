import Postgres

/// Sessions and presence: going online and offline, renewing, authenticating a token.
extension AccountSQL {
    /// Login step 2 (online), in one round trip: replaces the user's online session, publishes
    /// presence, settles the check (``settled(account:username:source:clear:remember:)``) and
    /// releases its lock, and returns the lease with the whole buddy list (one row per buddy; a
    /// single row with NULL buddy columns when there are none), and the instance that held the
    /// replaced session's stream (`previous_stream_instance`), to be told it ended.
    /// $1 account, $2 token hash, $3 lease seconds, $4 peer ID, $5 endpoint, $6 camera, $7 mic, $8 status, $9 status text,
    /// $10 username, $11 source, $12 clear failures, $13 remember source, $14 the instance holding its stream (NULL: none),
    /// $15 candidates (stored form), $16 the login's prekey set (NULL: none named). Also returns
    /// `prekeys_left` (unclaimed prekeys of that set), `other_set` (another set's are stored) and `has_mail` (messages wait for the user,
    /// or receipts for its messages), so a login with nothing in the mailbox needs no other statement.
    public static let goOnline = PreparedStatement("go_online", """
        WITH \(settled(account: "$1", username: "$10", source: "$11", clear: "$12", remember: "$13")),
        before AS (SELECT stream_instance FROM presence_state WHERE account_id = $1), session AS (
            INSERT INTO sessions (token_hash, account_id, online, expires_at)
            VALUES ($2, $1, true, now() + make_interval(secs => $3))
            ON CONFLICT (account_id) WHERE online DO UPDATE
                SET token_hash = EXCLUDED.token_hash, created_at = now(), expires_at = EXCLUDED.expires_at
            RETURNING expires_at
        ), me AS (
            UPDATE presence_state
            SET peer_id = $4, endpoint = $5, camera = $6, mic = $7, status = $8, status_text = $9,
                since = now(), lease_expires_at = (SELECT expires_at FROM session), stream_instance = $14, candidates = $15
            WHERE account_id = $1
            RETURNING lease_expires_at, pg_advisory_unlock(auth_lock_key($10)) AS unlocked
        )
        SELECT extract(epoch FROM me.lease_expires_at)::float8 AS lease_expires_at,
               (SELECT stream_instance FROM before) AS previous_stream_instance,
               (SELECT count(*) FROM prekeys WHERE account_id = $1 AND set_id = $16 AND uploaded_at > now() - interval '30 days')::int AS prekeys_left,
               EXISTS (SELECT 1 FROM prekeys WHERE account_id = $1 AND set_id <> $16) AS other_set,
               (EXISTS (SELECT 1 FROM mailbox WHERE recipient_id = $1 AND expires_at > now()) OR EXISTS (SELECT 1 FROM mailbox_receipts WHERE sender_id = $1)) AS has_mail,
               buddy.*
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

    /// The session behind a token: unexpired, or online with an open stream. $1 token hash.
    public static let authenticate = PreparedStatement("authenticate", """
        SELECT s.account_id, a.username
        FROM sessions s JOIN accounts a ON a.id = s.account_id
        WHERE s.token_hash = $1 AND (s.expires_at > now() OR (s.online AND stream_live(s.account_id)))
        """)

    /// Extends an online session's lease and applies optional presence changes.
    /// $1 token hash, $2 lease seconds, $3 endpoint, $4 camera, $5 mic, $6 status, $7 status text,
    /// $8 candidates (stored form).
    public static let renew = PreparedStatement("renew", """
        WITH session AS (
            UPDATE sessions SET expires_at = now() + make_interval(secs => $2)
            WHERE token_hash = $1 AND online AND (expires_at > now() OR stream_live(account_id))
            RETURNING account_id, expires_at
        )
        UPDATE presence_state p
        SET lease_expires_at = session.expires_at,
            endpoint = coalesce($3, p.endpoint), camera = coalesce($4, p.camera), mic = coalesce($5, p.mic),
            status = coalesce($6, p.status), status_text = coalesce($7, p.status_text), candidates = coalesce($8, p.candidates)
        FROM session
        WHERE p.account_id = session.account_id AND p.peer_id <> 0
        RETURNING p.account_id, p.peer_id, extract(epoch FROM p.lease_expires_at)::float8 AS lease_expires_at
        """)

    /// Revokes a token and, for an online session, sets the peer ID to 0. Returns `sessions` (1
    /// when a live session ended), and when it was online `account_id` (for the announcement)
    /// and `stream_instance`, the instance that held its stream. $1 token hash.
    public static let logout = PreparedStatement("logout", """
        WITH before AS (
            SELECT p.stream_instance FROM presence_state p JOIN sessions s ON s.account_id = p.account_id
            WHERE s.token_hash = $1 AND s.online
        ), session AS (
            DELETE FROM sessions
            WHERE token_hash = $1 AND (expires_at > now() OR (online AND stream_live(account_id)))
            RETURNING account_id, online
        ), offline AS (
            UPDATE presence_state p SET peer_id = 0, endpoint = NULL, lease_expires_at = NULL, stream_instance = NULL, since = now()
            FROM session WHERE session.online AND p.account_id = session.account_id
            RETURNING 1
        )
        SELECT count(*) AS sessions, max(account_id) FILTER (WHERE online) AS account_id,
               (SELECT stream_instance FROM before) AS stream_instance
        FROM session
        """)
}
