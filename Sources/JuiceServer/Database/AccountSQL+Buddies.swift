import Postgres

/// Buddy relations and the buddy entries the login and the buddy list return.
extension AccountSQL {
    /// The columns of a buddy entry as seen by account $1; presence only for accepted buddies
    /// whose presence is live (a valid lease, or a stream on a live instance).
    ///
    /// `OFFSET 0` keeps `visible` a subquery: pulled up, its expression was copied into each of
    /// the seven columns that read it, so `presence_live` (a SQL function PostgreSQL cannot
    /// inline) ran up to seven times per online buddy; with 10,000 streams open, most buddies
    /// of a login are online (pg_stat_statements: ~1.1 million calls in a 6 s login run).
    static let buddySelect = """
        SELECT a.username,
               CASE WHEN b.accepted_at IS NOT NULL THEN 'accepted'
                    WHEN b.requester_id = $1 THEN 'outgoing' ELSE 'incoming' END AS relation,
               CASE WHEN b.accepted_at IS NOT NULL THEN a.public_key END AS public_key,
               \(presenceColumns(visible: "v.visible"))
        FROM buddies b
        JOIN accounts a ON a.id = CASE WHEN b.requester_id = $1 THEN b.addressee_id ELSE b.requester_id END
        JOIN presence_state p ON p.account_id = a.id
        CROSS JOIN LATERAL (SELECT b.accepted_at IS NOT NULL AND p.peer_id <> 0 AND presence_live(p.lease_expires_at, p.stream_instance) AS visible OFFSET 0) v
        WHERE (b.requester_id = $1 OR b.addressee_id = $1)
        """

    /// The presence columns of a buddy entry (`peer_id` to `mic`) from presence row `p`, each
    /// the offline value unless the boolean expression `visible` holds.
    static func presenceColumns(visible: String) -> String {
        """
        CASE WHEN \(visible) THEN p.peer_id ELSE 0 END AS peer_id,
                       CASE WHEN \(visible) THEN p.endpoint END AS endpoint,
                       CASE WHEN \(visible) THEN p.candidates ELSE '' END AS candidates,
                       CASE WHEN \(visible) THEN p.status ELSE 'offline' END AS status,
                       CASE WHEN \(visible) THEN p.status_text ELSE '' END AS status_text,
                       (\(visible) AND p.camera) AS camera,
                       (\(visible) AND p.mic) AS mic
        """
    }

    /// Login step 3, and the buddy list. $1 account.
    public static let buddyList = PreparedStatement("buddy_list", buddySelect + " ORDER BY a.username")

    /// One buddy entry. $1 account, $2 buddy username.
    public static let buddyEntry = PreparedStatement("buddy_entry", buddySelect + " AND a.username = $2")

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

    /// Accepts $2's (username) pending request to $1; returns `buddy_id`.
    public static let acceptBuddy = PreparedStatement("accept_buddy", """
        UPDATE buddies SET accepted_at = coalesce(accepted_at, now())
        WHERE requester_id = (SELECT id FROM accounts WHERE username = $2) AND addressee_id = $1
        RETURNING requester_id AS buddy_id
        """)

    /// Removes the relation between $1 and $2 (username), whichever side asked, and the messages
    /// either left for the other that still wait (docs/protocol.md 5.2); returns `buddy_id`.
    public static let removeBuddy = PreparedStatement("remove_buddy", """
        WITH gone AS (
            DELETE FROM buddies b USING accounts t
            WHERE t.username = $2
              AND ((b.requester_id = $1 AND b.addressee_id = t.id) OR (b.requester_id = t.id AND b.addressee_id = $1))
            RETURNING t.id AS buddy_id
        ), unsent AS (
            DELETE FROM mailbox m USING gone
            WHERE (m.sender_id = $1 AND m.recipient_id = gone.buddy_id) OR (m.sender_id = gone.buddy_id AND m.recipient_id = $1)
        )
        SELECT buddy_id FROM gone
        """)
}
