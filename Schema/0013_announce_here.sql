-- presence_announce learns which instance is asking (`here`, 0 for none), and returns the pairs
-- whose recipient's stream that instance holds, (subject, recipient), instead of notifying it:
-- the caller hands them to its own rendezvous, which re-reads them exactly as it does a
-- notification (docs/reachability.md 2.3). Streams on other instances are notified as before.
--
-- A notification is the dearest part of an announcement: pg_notify makes the statement, a read,
-- a writing transaction (a notification needs a transaction ID, so the statement commits with a
-- commit record, and with synchronous_commit on waits for its WAL flush), wakes the listening
-- backend, which sends it to the instance's LISTEN connection, whose thread wakes to read it.
-- With one instance, or buddies on the same one, none of that is needed (BENCHMARKS.md §10).
--
-- When it does notify, the transaction commits asynchronously: nothing in it needs to survive a
-- crash; the notifications go with the listeners' connections anyway, and every instance
-- resynchronises its streams after it LISTENs again.
CREATE FUNCTION presence_announce(subjects bigint[], here bigint)
RETURNS TABLE (subject_id bigint, recipient_id bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    subject bigint;
    sent integer := 0;
    notified integer;
    held_here bigint[];
BEGIN
    FOREACH subject IN ARRAY subjects LOOP
        WITH recipients AS (
            SELECT p.stream_instance AS instance, p.account_id,
                   (row_number() OVER (PARTITION BY p.stream_instance ORDER BY p.account_id) - 1) / 200 AS part
            FROM buddies b
            JOIN presence_state p
              ON p.account_id = CASE WHEN b.requester_id = subject THEN b.addressee_id ELSE b.requester_id END
            WHERE (b.requester_id = subject OR b.addressee_id = subject) AND b.accepted_at IS NOT NULL
              AND p.stream_instance IS NOT NULL
        ), sent_elsewhere AS (
            SELECT pg_notify('juice_i_' || to_hex(instance), json_build_object('a', subject, 'r', array_agg(account_id))::text)
            FROM recipients WHERE instance <> here GROUP BY instance, part
        )
        SELECT (SELECT count(*)::int FROM sent_elsewhere), array_agg(account_id) FILTER (WHERE instance = here)
        INTO notified, held_here
        FROM recipients;
        sent := sent + notified;
        RETURN QUERY SELECT subject, r FROM unnest(held_here) AS r;
    END LOOP;
    IF sent > 0 THEN
        PERFORM set_config('synchronous_commit', 'off', true);
    END IF;
END
$$;

-- The one-argument form stays for instances of the previous release during a rolling upgrade:
-- it notifies every instance, as before.
CREATE OR REPLACE FUNCTION presence_announce(subjects bigint[]) RETURNS integer
LANGUAGE sql VOLATILE AS $$
    SELECT count(*)::int FROM presence_announce(subjects, 0)
$$;
