-- Buddy relations need consent: requester asks, addressee accepts (accepted_at set).
-- One row per pair whichever side asked; nobody is their own buddy.
CREATE TABLE buddies (
    requester_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    addressee_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    accepted_at   timestamptz,
    PRIMARY KEY (requester_id, addressee_id),
    CONSTRAINT buddies_no_self CHECK (requester_id <> addressee_id)
);
CREATE UNIQUE INDEX buddies_pair ON buddies (LEAST(requester_id, addressee_id), GREATEST(requester_id, addressee_id));
CREATE INDEX buddies_addressee ON buddies (addressee_id);
