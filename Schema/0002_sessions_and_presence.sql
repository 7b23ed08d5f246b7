-- Session tokens: only a BLAKE2b hash of each 256-bit token is stored.
-- A user has at most one online session; a new online login replaces it.
CREATE TABLE sessions (
    token_hash  bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    online      boolean NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX sessions_one_online ON sessions (account_id) WHERE online;
CREATE INDEX sessions_account ON sessions (account_id);

-- Presence in its own narrow table so that lease renewals stay cheap (HOT updates:
-- lease_expires_at is not indexed). peer_id is 0 when offline, never negative.
CREATE TABLE presence_state (
    account_id        bigint PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    peer_id           bigint NOT NULL DEFAULT 0
                      CONSTRAINT presence_peer_id_range CHECK (peer_id >= 0 AND peer_id < 9007199254740992),
    endpoint          text CHECK (length(endpoint) <= 300),
    camera            boolean NOT NULL DEFAULT false,
    mic               boolean NOT NULL DEFAULT false,
    status            text NOT NULL DEFAULT 'online' CHECK (status IN ('online', 'away', 'busy')),
    status_text       text NOT NULL DEFAULT '' CHECK (length(status_text) <= 200),
    since             timestamptz NOT NULL DEFAULT now(),
    lease_expires_at  timestamptz,
    CONSTRAINT presence_online_has_lease CHECK (peer_id = 0 OR (lease_expires_at IS NOT NULL AND endpoint IS NOT NULL))
) WITH (fillfactor = 80);
CREATE UNIQUE INDEX presence_state_peer_id ON presence_state (peer_id) WHERE peer_id <> 0;
