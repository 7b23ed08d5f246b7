import Postgres

/// Waiting messages, prekeys and receipts (docs/protocol.md 5; Schema/0011_mailbox.sql).
extension AccountSQL {
    /// Stores an upload of prekeys. $1 account, $2 set, $3 the keys one after another.
    public static let uploadPrekeys = PreparedStatement("upload_prekeys", "SELECT prekeys_upload($1, $2, $3) AS left")

    /// Claims one of a buddy's prekeys. $1 claimer, $2 owner username, $3 claims per hour.
    public static let claimPrekey = PreparedStatement("claim_prekey", "SELECT is_buddy, public_key FROM prekey_claim($1, $2, $3)")

    /// Leaves a message. $1 sender, $2 recipient username, $3 message ID, $4 envelope,
    /// $5 most messages, $6 most bytes, $7 seconds until it expires.
    public static let storeMessage = PreparedStatement("store_message", """
        SELECT outcome, extract(epoch FROM queued_at)::float8 AS queued_at, extract(epoch FROM expires_at)::float8 AS expires_at
        FROM mailbox_store($1, $2, $3, $4, $5, $6, $7)
        """)

    /// The messages waiting for $1, oldest first.
    public static let waitingMessages = PreparedStatement("waiting_messages", """
        SELECT m.seq, a.username AS sender, extract(epoch FROM m.queued_at)::float8 AS queued_at, m.envelope
        FROM mailbox m JOIN accounts a ON a.id = m.sender_id
        WHERE m.recipient_id = $1 AND m.expires_at > now()
        ORDER BY m.seq
        """)

    /// Receipts for $1's messages after seq $2, oldest first, at most 1000.
    public static let receipts = PreparedStatement("receipts", """
        SELECT seq, recipient, message_id, state, extract(epoch FROM at)::float8 AS at
        FROM mailbox_receipts WHERE sender_id = $1 AND seq > $2
        ORDER BY seq LIMIT 1000
        """)

    /// Deletes messages $2 (`{1,2}`) that $1 stored, and gives their senders receipts; returns
    /// the senders, for their streams.
    public static let acknowledgeMessages = PreparedStatement("acknowledge_messages", """
        SELECT DISTINCT sender_id FROM mailbox_ack($1, $2::bigint[])
        """)

    /// Deletes receipts $2 (`{1,2}`) of sender $1.
    public static let acknowledgeReceipts = PreparedStatement("acknowledge_receipts", """
        DELETE FROM mailbox_receipts WHERE sender_id = $1 AND seq = ANY ($2::bigint[])
        """)

    /// Tells the streams of senders $1 (`{1,2}`) that they have new receipts.
    public static let announceReceipts = PreparedStatement("announce_receipts", "SELECT receipts_announce($1::bigint[])")

    /// Deletes expired messages (with `expired` receipts), old receipts, prekeys and claim
    /// windows; returns the senders who got receipts.
    public static let reapMailbox = PreparedStatement("reap_mailbox", "SELECT sender_id FROM mailbox_reap()")
}
