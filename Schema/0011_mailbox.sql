-- Waiting messages for buddies who are offline (docs/protocol.md 5). The server stores
-- ciphertext only: envelopes sealed by the sender to the recipient's identity key and, when
-- one was left, a one-time prekey whose secret only the recipient's machine holds.

-- One-time prekeys (5.1): X25519 public keys a user uploaded with a login, all from the prekey
-- store (`set_id`) of the machine that uploaded them last. A claim deletes the row.
CREATE TABLE prekeys (
    account_id   bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    public_key   bytea  NOT NULL CHECK (length(public_key) = 32),
    set_id       bytea  NOT NULL CHECK (length(set_id) = 16),
    uploaded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, public_key)
);
CREATE INDEX prekeys_uploaded_at ON prekeys (uploaded_at);

-- Claims per claimer and owner in fixed one-hour windows (at most 30 each, 5.1).
CREATE TABLE prekey_claims (
    claimer_id    bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    owner_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    window_start  timestamptz NOT NULL,
    claims        integer NOT NULL,
    PRIMARY KEY (claimer_id, owner_id, window_start)
);
CREATE INDEX prekey_claims_window ON prekey_claims (window_start);
CREATE INDEX prekey_claims_owner ON prekey_claims (owner_id);

-- Prekeys handed out and not used yet: a mode-1 message must name one its sender claimed from
-- its recipient, once (5.2), so no one can leave messages sealed to prekeys that were never
-- handed out (the recipient could not open them, and would keep them). Kept 30 days.
CREATE TABLE claimed_prekeys (
    owner_id     bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    public_key   bytea  NOT NULL CHECK (length(public_key) = 32),
    claimer_id   bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, public_key)
);
CREATE INDEX claimed_prekeys_claimed_at ON claimed_prekeys (claimed_at);

-- Waiting messages (5.2). `message_id` is the sender's, also inside the envelope; a sender's
-- retry of the same message is stored once.
CREATE TABLE mailbox (
    seq           bigserial PRIMARY KEY,
    recipient_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    sender_id     bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    message_id    bytea  NOT NULL CHECK (length(message_id) = 16),
    envelope      bytea  NOT NULL CHECK (length(envelope) BETWEEN 74 AND 16490),
    queued_at     timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    UNIQUE (sender_id, recipient_id, message_id)
);
CREATE INDEX mailbox_recipient ON mailbox (recipient_id, seq);
CREATE INDEX mailbox_expires_at ON mailbox (expires_at);

-- What became of a sender's waiting messages (5.4): delivered (the recipient acknowledged it)
-- or expired (deleted unread). Kept until the sender acknowledges it, at most 30 days.
CREATE TABLE mailbox_receipts (
    seq           bigserial PRIMARY KEY,
    sender_id     bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    recipient     text   NOT NULL,
    message_id    bytea  NOT NULL CHECK (length(message_id) = 16),
    state         text   NOT NULL CHECK (state IN ('delivered', 'expired')),
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mailbox_receipts_sender ON mailbox_receipts (sender_id, seq);
CREATE INDEX mailbox_receipts_at ON mailbox_receipts (at);

-- Leaves a message for an accepted buddy who is offline, within the caps, atomically: the
-- recipient's mailbox is locked (its presence row) while it is counted, so concurrent senders
-- cannot overshoot. A mode-1 envelope uses up the claim of its prekey (bytes 35-66), which must
-- be this sender's. Returns one of: stored, duplicate (this sender already left this message ID),
-- not_buddy, online, full, unclaimed_prekey. With `queued_at` and `expires_at` of the stored (or earlier) message.
CREATE FUNCTION mailbox_store(
    p_sender bigint, p_recipient text, p_message_id bytea, p_envelope bytea,
    p_max_messages integer, p_max_bytes bigint, p_expiry_seconds integer,
    OUT outcome text, OUT queued_at timestamptz, OUT expires_at timestamptz
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_recipient bigint;
    is_online boolean;
    total_count bigint; total_bytes bigint; own_count bigint; own_bytes bigint;
BEGIN
    SELECT a.id INTO v_recipient
    FROM accounts a JOIN buddies b
      ON (b.requester_id = p_sender AND b.addressee_id = a.id) OR (b.addressee_id = p_sender AND b.requester_id = a.id)
    WHERE a.username = p_recipient AND b.accepted_at IS NOT NULL;
    IF v_recipient IS NULL THEN outcome := 'not_buddy'; RETURN; END IF;

    SELECT p.peer_id <> 0 AND presence_live(p.lease_expires_at, p.stream_instance) INTO is_online
    FROM presence_state p WHERE p.account_id = v_recipient FOR UPDATE;
    SELECT m.queued_at, m.expires_at INTO queued_at, expires_at FROM mailbox m
    WHERE m.sender_id = p_sender AND m.recipient_id = v_recipient AND m.message_id = p_message_id;
    IF FOUND THEN outcome := 'duplicate'; RETURN; END IF;
    IF is_online THEN outcome := 'online'; RETURN; END IF;

    SELECT count(*), coalesce(sum(length(m.envelope)), 0),
           count(*) FILTER (WHERE m.sender_id = p_sender), coalesce(sum(length(m.envelope)) FILTER (WHERE m.sender_id = p_sender), 0)
    INTO total_count, total_bytes, own_count, own_bytes
    FROM mailbox m WHERE m.recipient_id = v_recipient AND m.expires_at > now();
    IF total_count + 1 > p_max_messages OR total_bytes + length(p_envelope) > p_max_bytes
       OR own_count + 1 > p_max_messages / 2 OR own_bytes + length(p_envelope) > p_max_bytes / 2 THEN
        outcome := 'full'; RETURN;
    END IF;
    IF get_byte(p_envelope, 1) = 1 THEN
        DELETE FROM claimed_prekeys c
        WHERE c.owner_id = v_recipient AND c.claimer_id = p_sender AND c.public_key = substring(p_envelope FROM 35 FOR 32);
        IF NOT FOUND THEN outcome := 'unclaimed_prekey'; RETURN; END IF;
    END IF;

    INSERT INTO mailbox (recipient_id, sender_id, message_id, envelope, expires_at)
    VALUES (v_recipient, p_sender, p_message_id, p_envelope, now() + make_interval(secs => p_expiry_seconds))
    RETURNING mailbox.queued_at, mailbox.expires_at INTO queued_at, expires_at;
    outcome := 'stored';
END
$$;

-- Claims one of an accepted buddy's prekeys for p_claimer (5.1): deletes and returns it, or
-- returns NULL when none is left or the claimer spent its 30 this hour. `is_buddy` is false when
-- p_owner is not an accepted buddy.
CREATE FUNCTION prekey_claim(p_claimer bigint, p_owner text, p_per_hour integer, OUT is_buddy boolean, OUT public_key bytea)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_owner bigint;
    spent integer;
BEGIN
    SELECT a.id INTO v_owner
    FROM accounts a JOIN buddies b
      ON (b.requester_id = p_claimer AND b.addressee_id = a.id) OR (b.addressee_id = p_claimer AND b.requester_id = a.id)
    WHERE a.username = p_owner AND b.accepted_at IS NOT NULL;
    is_buddy := v_owner IS NOT NULL;
    IF NOT is_buddy THEN RETURN; END IF;

    INSERT INTO prekey_claims AS c (claimer_id, owner_id, window_start, claims)
    VALUES (p_claimer, v_owner, date_trunc('hour', now()), 1)
    ON CONFLICT (claimer_id, owner_id, window_start) DO UPDATE SET claims = c.claims + 1
    RETURNING c.claims INTO spent;
    IF spent > p_per_hour THEN RETURN; END IF;

    DELETE FROM prekeys
    WHERE (account_id, public_key) = (
        SELECT k.account_id, k.public_key FROM prekeys k
        WHERE k.account_id = v_owner AND k.uploaded_at > now() - interval '30 days'
        ORDER BY k.uploaded_at LIMIT 1 FOR UPDATE SKIP LOCKED
    )
    RETURNING prekeys.public_key INTO public_key;
    IF public_key IS NOT NULL THEN
        INSERT INTO claimed_prekeys (owner_id, public_key, claimer_id) VALUES (v_owner, public_key, p_claimer);
    END IF;
END
$$;

-- Stores prekeys uploaded with a login (5.1): a set other than the stored one replaces it; keys
-- past 100 unclaimed, and keys already held, are ignored. Returns how many of this set's prekeys
-- are unclaimed now. `p_keys` is the 32-byte keys one after another.
CREATE FUNCTION prekeys_upload(p_account bigint, p_set bytea, p_keys bytea) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    held integer;
BEGIN
    DELETE FROM prekeys WHERE account_id = p_account AND (set_id <> p_set OR uploaded_at <= now() - interval '30 days');
    SELECT count(*) INTO held FROM prekeys WHERE account_id = p_account;
    INSERT INTO prekeys (account_id, public_key, set_id)
    SELECT p_account, substring(p_keys FROM n * 32 + 1 FOR 32), p_set
    FROM generate_series(0, least(length(p_keys) / 32, 100 - held) - 1) AS n
    ON CONFLICT DO NOTHING;
    RETURN (SELECT count(*) FROM prekeys WHERE account_id = p_account);
END
$$;

-- A recipient acknowledges waiting messages it has stored (5.4): they are deleted, and each
-- sender gets a `delivered` receipt. Returns the receipts made, for the senders' streams.
CREATE FUNCTION mailbox_ack(p_recipient bigint, p_seqs bigint[])
RETURNS TABLE (seq bigint, sender_id bigint, recipient text, message_id bytea, state text, at timestamptz)
LANGUAGE sql AS $$
    WITH gone AS (
        DELETE FROM mailbox m WHERE m.recipient_id = p_recipient AND m.seq = ANY (p_seqs)
        RETURNING m.sender_id, m.message_id
    )
    INSERT INTO mailbox_receipts AS r (sender_id, recipient, message_id, state)
    SELECT gone.sender_id, (SELECT username FROM accounts WHERE id = p_recipient), gone.message_id, 'delivered' FROM gone
    RETURNING r.seq, r.sender_id, r.recipient, r.message_id, r.state, r.at
$$;

-- Deletes what has run out: messages past their expiry (each sender gets an `expired`
-- receipt), receipts and unclaimed prekeys older than 30 days, claim windows that ended.
-- Returns the senders who got receipts.
CREATE FUNCTION mailbox_reap() RETURNS TABLE (sender_id bigint)
LANGUAGE sql AS $$
    WITH gone AS (
        DELETE FROM mailbox m WHERE m.expires_at <= now() RETURNING m.sender_id, m.recipient_id, m.message_id
    ), receipts AS (
        INSERT INTO mailbox_receipts AS r (sender_id, recipient, message_id, state)
        SELECT gone.sender_id, a.username, gone.message_id, 'expired' FROM gone JOIN accounts a ON a.id = gone.recipient_id
        RETURNING r.sender_id
    ), old_receipts AS (
        DELETE FROM mailbox_receipts WHERE at <= now() - interval '30 days'
    ), old_prekeys AS (
        DELETE FROM prekeys WHERE uploaded_at <= now() - interval '30 days'
    ), old_claims AS (
        DELETE FROM prekey_claims WHERE window_start < date_trunc('hour', now())
    ), old_claimed AS (
        DELETE FROM claimed_prekeys WHERE claimed_at <= now() - interval '30 days'
    )
    SELECT DISTINCT receipts.sender_id FROM receipts
$$;

-- Tells the instances holding the streams of these senders that they have new receipts:
-- payload {"d": sender account} on the instance's channel (as presence_announce, 0008).
CREATE FUNCTION receipts_announce(senders bigint[]) RETURNS integer
LANGUAGE sql VOLATILE AS $$
    WITH sent AS (
        SELECT pg_notify('juice_i_' || to_hex(p.stream_instance), json_build_object('d', p.account_id)::text)
        FROM presence_state p WHERE p.account_id = ANY (senders) AND p.stream_instance IS NOT NULL
    )
    SELECT count(*)::int FROM sent
$$;

-- Admins see how full mailboxes are, never what is in them.
CREATE VIEW mailbox_sizes AS
SELECT a.username,
       count(m.seq) AS messages,
       coalesce(sum(length(m.envelope)), 0) AS bytes,
       count(DISTINCT m.sender_id) AS senders,
       min(m.queued_at) AS oldest
FROM mailbox m JOIN accounts a ON a.id = m.recipient_id
WHERE m.expires_at > now()
GROUP BY a.username;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'juice_admin') THEN
        GRANT SELECT ON mailbox_sizes TO juice_admin;
    END IF;
END
$$;
