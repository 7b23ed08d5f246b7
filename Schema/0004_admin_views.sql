-- Views for admins. An expired lease reads as offline (peer ID 0) even before the reaper runs.
CREATE VIEW presence AS
SELECT a.username,
       (p.peer_id <> 0 AND p.lease_expires_at > now())                                  AS online,
       CASE WHEN p.peer_id <> 0 AND p.lease_expires_at > now() THEN p.peer_id ELSE 0 END AS peer_id,
       CASE WHEN p.peer_id <> 0 AND p.lease_expires_at > now() THEN p.endpoint END       AS endpoint,
       p.camera,
       p.mic,
       CASE WHEN p.peer_id <> 0 AND p.lease_expires_at > now() THEN p.status ELSE 'offline' END AS status,
       p.status_text,
       p.since,
       p.lease_expires_at
FROM accounts a
JOIN presence_state p ON p.account_id = a.id;

-- Every buddy relation seen from both sides.
CREATE VIEW buddy_relations AS
SELECT r.username AS username, d.username AS buddy,
       CASE WHEN b.accepted_at IS NOT NULL THEN 'accepted' ELSE 'outgoing' END AS relation,
       b.created_at, b.accepted_at
FROM buddies b JOIN accounts r ON r.id = b.requester_id JOIN accounts d ON d.id = b.addressee_id
UNION ALL
SELECT d.username, r.username,
       CASE WHEN b.accepted_at IS NOT NULL THEN 'accepted' ELSE 'incoming' END,
       b.created_at, b.accepted_at
FROM buddies b JOIN accounts r ON r.id = b.requester_id JOIN accounts d ON d.id = b.addressee_id;

-- A read-only role for admins: the views, but no key material, verifiers or tokens.
-- Creating a role needs CREATEROLE; without it the views still work for the owner.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'juice_admin') THEN
        CREATE ROLE juice_admin NOLOGIN;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'role juice_admin not created (needs CREATEROLE); grant it by hand';
WHEN unique_violation OR duplicate_object THEN
    NULL; -- roles are per cluster: a migration of another database created it meanwhile
END
$$;
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'juice_admin') THEN
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO juice_admin', current_database());
        GRANT USAGE ON SCHEMA public TO juice_admin;
        GRANT SELECT ON presence, buddy_relations TO juice_admin;
    END IF;
END
$$;
