-- Candidates (docs/reachability.md 3): the addresses a user may be reached at besides the
-- endpoint, as juiced checked them at login: "TYPE ADDRESS" items joined by commas, e.g.
-- "host 10.0.1.2:7000,srflx 203.0.113.1:7000". Shown only to accepted buddies while online,
-- like the endpoint. At most 8 items of at most 53 characters each.
ALTER TABLE presence_state ADD COLUMN candidates text NOT NULL DEFAULT ''
    CHECK (length(candidates) <= 8 * 54);
