-- Gives a person read-only admin access: the presence and buddy_relations views, but no keys,
-- verifiers or tokens. Run as a superuser: psql -v person=ann -f Ops/psql/grant-admin.sql
-- The person then connects with their own login: psql -U ann juice
CREATE ROLE :"person" LOGIN IN ROLE juice_admin;
