-- One user's buddies with their presence.
-- psql -v user=alice -f Ops/psql/buddies.sql
SELECT r.buddy, r.relation, p.online, p.peer_id, p.endpoint, p.camera, p.mic, p.status
FROM buddy_relations r
JOIN presence p ON p.username = r.buddy
WHERE r.username = lower(:'user')
ORDER BY r.buddy;
