-- A rendezvous stream ends when its session does (docs/protocol.md 2.3.1): however an online
-- session row goes away (a logout, a password change, a newer login, or an admin's DELETE in
-- psql), the instance holding the account's stream is told to check it. The check ends the
-- stream with `ended` when no online session of the account is left or another holds the
-- presence; a stream that still matches its session is left alone, so a notification too many
-- costs one read.
CREATE FUNCTION sessions_revoked() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('juice_i_' || to_hex(p.stream_instance),
                      json_build_object('a', p.account_id, 'r', json_build_array(p.account_id))::text)
    FROM presence_state p
    WHERE p.account_id = OLD.account_id AND p.stream_instance IS NOT NULL;
    RETURN NULL;
END
$$;

CREATE TRIGGER sessions_revoked AFTER DELETE ON sessions
    FOR EACH ROW WHEN (OLD.online) EXECUTE FUNCTION sessions_revoked();
