-- One throttle for every check of a password-derived key (login, password change), so that a
-- stranger can neither guess quickly nor lock the owner out (docs/protocol.md, section 2.3).
-- Failed checks count per (username, source address), per username from every address
-- (source '*'), and per address across usernames (username '*'), each in a fixed window.
DROP TABLE login_failures;
CREATE TABLE auth_failures (
    username          text NOT NULL CHECK (length(username) <= 64),
    source            text NOT NULL CHECK (length(source) <= 64),
    failures          integer NOT NULL CHECK (failures > 0),
    window_started_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (username, source)
);

-- Addresses each user logged in from (refreshed at most daily, forgotten after 90 days unused):
-- the per-username ceiling does not apply to them, so a stranger who reaches it does not lock
-- the owner out of their usual places.
CREATE TABLE known_sources (
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    source          text NOT NULL CHECK (length(source) <= 64),
    last_success_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, source)
);

-- The advisory-lock key of a username's checks.
CREATE FUNCTION auth_lock_key(p_username text) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT hashtextextended('juice/auth/' || p_username, 0) $$;

-- The start of every check: takes the username's advisory lock, then reads the account and the
-- three failure counts. juiced releases the lock only once the check's outcome is committed, so
-- concurrent guesses for one name are checked one at a time against up-to-date counts. PL/pgSQL
-- runs each query with a fresh snapshot: the counts are read after the lock is held.
CREATE FUNCTION auth_check_begin(p_username text, p_source text, p_window_seconds integer)
RETURNS TABLE (
    id bigint, verifier bytea, verifier_salt bytea, public_key bytea, sealed_secret bytea,
    pair_failures integer, pair_remaining integer,
    name_failures integer, name_remaining integer,
    source_failures integer, source_remaining integer,
    known_source boolean, source_seen_today boolean
)
LANGUAGE plpgsql VOLATILE
-- A lock held too long (a stuck connection) fails this check instead of queueing forever; and a
-- plan cached while a table was still empty must never scan it whole once it has grown.
SET lock_timeout = '5s'
SET enable_seqscan = off
AS $$
#variable_conflict use_column
DECLARE
    since timestamptz := now() - make_interval(secs => p_window_seconds);
    seen timestamptz;
BEGIN
    -- The counts must be read after the lock: only READ COMMITTED gives each query its own snapshot.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'the password throttle needs READ COMMITTED, not %', current_setting('transaction_isolation');
    END IF;
    PERFORM pg_advisory_lock(auth_lock_key(p_username));
    -- One primary-key lookup each, so every plan is an index probe whatever the tables' size.
    SELECT a.id, a.verifier, a.verifier_salt, a.public_key, a.sealed_secret
        INTO id, verifier, verifier_salt, public_key, sealed_secret
        FROM accounts a WHERE a.username = p_username;
    SELECT f.failures, ceil(extract(epoch FROM f.window_started_at - since))::int INTO pair_failures, pair_remaining
        FROM auth_failures f WHERE f.username = p_username AND f.source = p_source AND f.window_started_at > since;
    SELECT f.failures, ceil(extract(epoch FROM f.window_started_at - since))::int INTO name_failures, name_remaining
        FROM auth_failures f WHERE f.username = p_username AND f.source = '*' AND f.window_started_at > since;
    SELECT f.failures, ceil(extract(epoch FROM f.window_started_at - since))::int INTO source_failures, source_remaining
        FROM auth_failures f WHERE f.username = '*' AND f.source = p_source AND f.window_started_at > since;
    SELECT k.last_success_at INTO seen FROM known_sources k WHERE k.account_id = id AND k.source = p_source;
    pair_failures := coalesce(pair_failures, 0);
    name_failures := coalesce(name_failures, 0);
    source_failures := coalesce(source_failures, 0);
    known_source := seen IS NOT NULL;
    source_seen_today := coalesce(seen > now() - interval '1 day', false);
    RETURN NEXT;
END
$$;
