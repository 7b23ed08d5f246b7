-- Who is online now (an expired lease counts as offline).
-- psql -f Ops/psql/who-is-online.sql
SELECT username, peer_id, endpoint, camera, mic, status, status_text, since, lease_expires_at
FROM presence
WHERE online
ORDER BY username;
