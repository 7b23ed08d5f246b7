-- One identity key, one account: a message that opens under a key must name exactly one user.
-- Fails (and so does juiced's start) if two accounts already share a key: resolve those by hand.
ALTER TABLE accounts ADD CONSTRAINT accounts_public_key_key UNIQUE (public_key);
