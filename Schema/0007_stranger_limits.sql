-- Bounds on what strangers can make the service store (docs/protocol.md, section 2.1):
-- registrations per client address in a fixed window.
CREATE TABLE registration_windows (
    source            text PRIMARY KEY CHECK (length(source) <= 64),
    registrations     integer NOT NULL CHECK (registrations > 0),
    window_started_at timestamptz NOT NULL DEFAULT now()
);

-- Pending requests are counted per addressee on every buddy request.
CREATE INDEX buddies_pending_addressee ON buddies (addressee_id) WHERE accepted_at IS NULL;
