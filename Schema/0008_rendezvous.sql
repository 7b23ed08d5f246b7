-- The rendezvous stream (docs/reachability.md, section 2).
-- Every juiced instance has a row; its heartbeat keeps alive_until in the future. A presence
-- whose stream an instance holds counts as online while that instance is alive, whatever its
-- lease says, so an open stream needs no renewal calls.
CREATE TABLE juiced_instances (
    id           bigint PRIMARY KEY CHECK (id > 0),
    started_at   timestamptz NOT NULL DEFAULT now(),
    alive_until  timestamptz NOT NULL
);

-- The instance holding this presence's stream, NULL when none is open. On presence_state (not
-- sessions): a user has one online session, and every presence read already reads this row.
-- No foreign key: an instance row may be deleted while presences still name it.
ALTER TABLE presence_state ADD COLUMN stream_instance bigint;

-- Whether a presence is live: its lease runs, or its stream's instance is alive.
CREATE FUNCTION presence_live(lease timestamptz, instance bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(lease > now(), false)
        OR (instance IS NOT NULL AND EXISTS (SELECT 1 FROM juiced_instances i WHERE i.id = instance AND i.alive_until > now()))
$$;

-- Whether an account's presence is held up by an open stream on a live instance.
CREATE FUNCTION stream_live(account bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM presence_state p JOIN juiced_instances i ON i.id = p.stream_instance
        WHERE p.account_id = account AND i.alive_until > now()
    )
$$;

-- Tells the instances holding streams of the subjects' accepted buddies to re-read the
-- subjects' presence. Run after the change committed (docs/reachability.md 2.3, ordering).
-- A payload carries identifiers only: {"a": subject account, "r": [recipient accounts]}, at most
-- 200 recipients each, on channel juice_i_<instance ID in hex>. Returns how many were sent.
CREATE FUNCTION presence_announce(subjects bigint[]) RETURNS integer
LANGUAGE sql VOLATILE AS $$
    WITH recipients AS (
        SELECT s.subject, p.stream_instance AS instance, p.account_id,
               (row_number() OVER (PARTITION BY s.subject, p.stream_instance ORDER BY p.account_id) - 1) / 200 AS part
        FROM unnest(subjects) AS s (subject)
        JOIN buddies b ON (b.requester_id = s.subject OR b.addressee_id = s.subject) AND b.accepted_at IS NOT NULL
        JOIN presence_state p
          ON p.account_id = CASE WHEN b.requester_id = s.subject THEN b.addressee_id ELSE b.requester_id END
        WHERE p.stream_instance IS NOT NULL
    ), sent AS (
        SELECT pg_notify('juice_i_' || to_hex(instance), json_build_object('a', subject, 'r', array_agg(account_id))::text)
        FROM recipients GROUP BY subject, instance, part
    )
    SELECT count(*)::int FROM sent
$$;

CREATE OR REPLACE VIEW presence AS
SELECT a.username,
       presence_live(p.lease_expires_at, p.stream_instance) AND p.peer_id <> 0 AS online,
       CASE WHEN p.peer_id <> 0 AND presence_live(p.lease_expires_at, p.stream_instance) THEN p.peer_id ELSE 0 END AS peer_id,
       CASE WHEN p.peer_id <> 0 AND presence_live(p.lease_expires_at, p.stream_instance) THEN p.endpoint END AS endpoint,
       p.camera,
       p.mic,
       CASE WHEN p.peer_id <> 0 AND presence_live(p.lease_expires_at, p.stream_instance) THEN p.status ELSE 'offline' END AS status,
       p.status_text,
       p.since,
       p.lease_expires_at
FROM accounts a
JOIN presence_state p ON p.account_id = a.id;

-- The view calls presence_live as the admin (functions run with the caller's rights): the admin
-- role reads the instance heartbeats too (no secrets in them).
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'juice_admin') THEN
        GRANT SELECT ON juiced_instances TO juice_admin;
    END IF;
END
$$;
