-- How many users are online.
-- psql -f Ops/psql/count-online.sql
SELECT count(*) FILTER (WHERE online) AS online, count(*) AS users FROM presence;
