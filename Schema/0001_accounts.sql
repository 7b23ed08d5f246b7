-- Accounts: the normalised username, a verifier of the client's Argon2id-derived auth key
-- (never the password), and the identity key pair with its secret half sealed by the client.
CREATE TABLE accounts (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username       text NOT NULL
                   CONSTRAINT accounts_username_key UNIQUE
                   CONSTRAINT accounts_username_format CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,31}$'),
    verifier       bytea NOT NULL CHECK (length(verifier) = 32),
    verifier_salt  bytea NOT NULL CHECK (length(verifier_salt) = 32),
    public_key     bytea NOT NULL CHECK (length(public_key) = 32),
    sealed_secret  bytea NOT NULL CHECK (length(sealed_secret) = 72),
    created_at     timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now()
);

-- Failed logins per username (known or not, so throttling reveals nothing about existence).
CREATE TABLE login_failures (
    username          text PRIMARY KEY CHECK (length(username) <= 64),
    failures          integer NOT NULL CHECK (failures > 0),
    window_started_at timestamptz NOT NULL DEFAULT now()
);
