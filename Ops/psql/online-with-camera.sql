-- Online users who have a camera.
-- psql -f Ops/psql/online-with-camera.sql
SELECT username, peer_id, endpoint, mic, status
FROM presence
WHERE online AND camera
ORDER BY username;
