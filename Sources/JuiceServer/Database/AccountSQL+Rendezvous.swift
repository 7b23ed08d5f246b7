import Postgres

/// The rendezvous stream: instance heartbeats, presence announcements, dropped streams.
extension AccountSQL {
    /// Registers or refreshes instance $1: alive for $2 more seconds.
    public static let heartbeat = PreparedStatement("instance_heartbeat", """
        INSERT INTO juiced_instances (id, alive_until) VALUES ($1, now() + make_interval(secs => $2))
        ON CONFLICT (id) DO UPDATE SET alive_until = EXCLUDED.alive_until
        """)

    /// Writes 0 for every presence that is no longer live (lease lapsed and no stream on a live
    /// instance); returns their accounts, to be announced once this has committed.
    ///
    /// The condition is `NOT presence_live(lease_expires_at, stream_instance)` written out
    /// (Schema/0008): the rendezvous runs this every second over the whole table, and the
    /// function, which PostgreSQL cannot inline (its `EXISTS`), cost a call per row, about ten
    /// times the scan; written out, the live instances are read once (a hashed subplan).
    public static let expirePresence = PreparedStatement("expire_presence", """
        UPDATE presence_state SET peer_id = 0, endpoint = NULL, lease_expires_at = NULL, stream_instance = NULL, since = now()
        WHERE peer_id <> 0 AND NOT coalesce(lease_expires_at > now(), false)
          AND (stream_instance IS NULL OR stream_instance NOT IN (SELECT id FROM juiced_instances WHERE alive_until > now()))
        RETURNING account_id
        """)

    /// Notifies the instances holding streams of the subjects' accepted buddies
    /// (`presence_announce`), except instance $2 (0 for none): the pairs whose recipient's stream
    /// it holds are returned, `subject_id` and `recipient_id`. $1 subject accounts, as an array
    /// literal `{1,2}`.
    public static let announce = PreparedStatement("presence_announce", """
        SELECT subject_id, recipient_id FROM presence_announce($1::bigint[], $2::bigint)
        """)

    /// A stream of instance $3 closed: account $1's presence (if still peer ID $2 on that stream)
    /// and its online session now last $4 seconds more, the resume grace.
    public static let streamDropped = PreparedStatement("stream_dropped", """
        WITH dropped AS (
            UPDATE presence_state SET stream_instance = NULL, lease_expires_at = now() + make_interval(secs => $4)
            WHERE account_id = $1 AND peer_id = $2 AND stream_instance = $3
            RETURNING account_id, lease_expires_at
        )
        UPDATE sessions s SET expires_at = dropped.lease_expires_at
        FROM dropped WHERE s.account_id = dropped.account_id AND s.online
        RETURNING 1
        """)

    /// Resumes the stream of the online session with token hash $1 on instance $2, if its
    /// presence is still live (within the resume grace, or its old instance not yet timed out),
    /// and gives presence and session a full lease of $3 seconds again: a drop cut both to the
    /// grace, and the session's token must outlast it (a logout after the stream closes again
    /// needs a token that has not expired). Returns `account_id`, `peer_id`, `lease_expires_at`
    /// and `previous_stream_instance`.
    public static let resumeStream = PreparedStatement("resume_stream", """
        WITH session AS (
            SELECT account_id FROM sessions
            WHERE token_hash = $1 AND online AND (expires_at > now() OR stream_live(account_id))
        ), before AS (
            SELECT p.stream_instance FROM presence_state p JOIN session ON session.account_id = p.account_id
        ), resumed AS (
            UPDATE presence_state p SET stream_instance = $2, lease_expires_at = now() + make_interval(secs => $3)
            FROM session
            WHERE p.account_id = session.account_id AND p.peer_id <> 0 AND presence_live(p.lease_expires_at, p.stream_instance)
            RETURNING p.account_id, p.peer_id, p.lease_expires_at
        ), renewed AS (
            UPDATE sessions s SET expires_at = resumed.lease_expires_at
            FROM resumed WHERE s.token_hash = $1
            RETURNING 1
        )
        SELECT account_id, peer_id, extract(epoch FROM lease_expires_at)::float8 AS lease_expires_at,
               (SELECT stream_instance FROM before) AS previous_stream_instance, (SELECT count(*) FROM renewed) AS renewed
        FROM resumed
        """)

    /// Tells instance $2 that account $1's stream there may have ended (a logout, or a newer
    /// login): a notification whose subject is its own recipient.
    public static let checkStream = PreparedStatement("check_stream", """
        SELECT pg_notify('juice_i_' || to_hex($2::bigint), json_build_object('a', $1::bigint, 'r', json_build_array($1::bigint))::text)
        """)

    /// Accounts $1 and $2 became or stopped being buddies: each one's stream, if open, re-reads
    /// the other (a notification with the other as subject and itself as the recipient).
    public static let announcePair = PreparedStatement("announce_pair", """
        SELECT count(pg_notify('juice_i_' || to_hex(stream_instance),
                               json_build_object('a', CASE WHEN account_id = $1 THEN $2 ELSE $1 END, 'r', json_build_array(account_id))::text)) AS sent
        FROM presence_state WHERE account_id IN ($1::bigint, $2::bigint) AND stream_instance IS NOT NULL
        """)

    /// Account $1's presence: `peer_id` (0 when offline, or when no online session of the
    /// account is left: revoked) and `stream_instance`.
    public static let streamHolder = PreparedStatement("stream_holder", """
        SELECT CASE WHEN presence_live(lease_expires_at, stream_instance)
                         AND EXISTS (SELECT 1 FROM sessions s WHERE s.account_id = $1 AND s.online) THEN peer_id ELSE 0 END AS peer_id,
               stream_instance
        FROM presence_state WHERE account_id = $1
        """)

    /// One buddy entry of account $1, found by the buddy's account ID $2 (no row: not a buddy).
    public static let buddyEntryByID = PreparedStatement("buddy_entry_by_id", buddySelect + " AND a.id = $2")

    /// The announced pairs of a batch of notifications, one row per subject: $1 subjects and $2
    /// recipients, text arrays of account IDs of the same length (pair i is `$1[i]`, `$2[i]`).
    /// Each row is the subject's entry as an accepted buddy's list shows it (the columns of
    /// ``buddySelect``), and `accepted`, the recipients (comma-separated) whose accepted buddy
    /// it is; a recipient not listed is not, or no longer. One statement for all the pairs,
    /// however many notifications queued: each subject's account and presence read once (and
    /// `presence_live` called once: see ``buddySelect`` on `OFFSET 0`), each pair found by the
    /// `buddies_pair` index, and each entry sent once, not once per recipient.
    public static let announcedEntries = PreparedStatement("announced_entries", """
        SELECT a.id AS subject, a.username, 'accepted' AS relation, a.public_key,
               \(presenceColumns(visible: "s.live")),
               coalesce(string_agg(pair.recipient::text, ',') FILTER (WHERE b.accepted_at IS NOT NULL), '') AS accepted
        FROM unnest($1::text::bigint[], $2::text::bigint[]) AS pair(subject, recipient)
        JOIN accounts a ON a.id = pair.subject
        JOIN presence_state p ON p.account_id = a.id
        CROSS JOIN LATERAL (SELECT p.peer_id <> 0 AND presence_live(p.lease_expires_at, p.stream_instance) AS live OFFSET 0) s
        LEFT JOIN buddies b ON LEAST(b.requester_id, b.addressee_id) = LEAST(pair.recipient, a.id)
                           AND GREATEST(b.requester_id, b.addressee_id) = GREATEST(pair.recipient, a.id)
        GROUP BY a.id, p.account_id, s.live
        """)
}
