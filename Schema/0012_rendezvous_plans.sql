-- presence_announce runs after every online login, logout and lapse. As a LANGUAGE sql function
-- (which PostgreSQL cannot inline: CTEs, pg_notify) it was planned again on every call, for an
-- array parameter of unknown length, and the plan was a hash join over the whole buddies table
-- and every presence holding a stream: with 10,000 streams open, a login's announcement cost
-- more PostgreSQL time than the login (perf: 43 % of the machine's samples in fmgr_sql, mostly
-- MultiExecHash). The same statement in PL/pgSQL, once per subject, keeps its plan for the
-- session and finds the subject's pairs by index. Same payloads, channels and result.
CREATE OR REPLACE FUNCTION presence_announce(subjects bigint[]) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    subject bigint;
    sent integer := 0;
    notified integer;
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
        ), sent_here AS (
            SELECT pg_notify('juice_i_' || to_hex(instance), json_build_object('a', subject, 'r', array_agg(account_id))::text)
            FROM recipients GROUP BY instance, part
        )
        SELECT count(*)::int INTO notified FROM sent_here;
        sent := sent + notified;
    END LOOP;
    RETURN sent;
END
$$;
