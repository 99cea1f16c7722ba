-- Stage "remote": accounts of other servers, as this server saw them, and
-- the bursts in which a server's accounts first appeared.
--
-- A remote account's created_at is what its server published: Mastodon
-- publishes the day only (midnight), so it says little. Its id here is a
-- Snowflake of when this server first stored it, and its first status is
-- when it first spoke: the earlier of these is when it was first seen.
-- Where the published time is a real time (not midnight), an account that
-- posted within 15 minutes of it "started at once".
CREATE OR REPLACE TABLE remote_accounts AS
WITH fs AS (
  SELECT instance, account_id, min(created_at) AS first_status, count(*) AS statuses
  FROM statuses GROUP BY ALL
)
SELECT a.instance, a.account_id, lower(a.domain) AS server, a.acct, a.username, a.created_at,
       fs.first_status, coalesce(fs.statuses, 0) AS statuses,
       least(snowflake_time(a.account_id), fs.first_status,
             CASE WHEN a.created_at <> date_trunc('day', a.created_at) THEN a.created_at END) AS first_seen,
       CASE WHEN a.created_at_source = 'accounts' AND a.created_at <> date_trunc('day', a.created_at) AND fs.first_status IS NOT NULL
            THEN fs.first_status - a.created_at <= INTERVAL 15 MINUTE END AS quick_start,
       coalesce(n.random_looking, false) AS random_name
FROM accounts a
LEFT JOIN fs USING (instance, account_id)
LEFT JOIN name_shapes n USING (instance, account_id)
WHERE a.domain IS NOT NULL;

-- First sightings per server and hour, against what the server's share of
-- all sightings would give an hour by chance: a server whose accounts
-- appear at once, far above its usual rate, is in a burst. Hot hours less
-- than three hours apart make one burst; a burst needs five accounts.
CREATE OR REPLACE TABLE remote_bursts AS
WITH span AS (
  SELECT greatest(1, date_diff('hour', min(first_seen), max(first_seen)) + 1) AS hours FROM remote_accounts
), per_server AS (
  SELECT instance, server, count(*) AS total FROM remote_accounts WHERE first_seen IS NOT NULL GROUP BY ALL
), per_hour AS (
  SELECT r.instance, r.server, date_trunc('hour', r.first_seen) AS hour, count(*) AS n, any_value(p.total) / any_value(s.hours) AS expected
  FROM remote_accounts r JOIN per_server p USING (instance, server) CROSS JOIN span s
  WHERE r.first_seen IS NOT NULL
  GROUP BY ALL
), hot AS (
  SELECT *, sum(CASE WHEN prev IS NULL OR hour - prev > INTERVAL 3 HOUR THEN 1 ELSE 0 END)
              OVER (PARTITION BY instance, server ORDER BY hour) AS grp
  FROM (SELECT *, lag(hour) OVER (PARTITION BY instance, server ORDER BY hour) AS prev
        FROM per_hour WHERE n >= 3 AND (n - expected) / sqrt(expected + 1) >= 3)
)
SELECT instance, server, instance || '/' || server || '@' || strftime(min(hour), '%Y-%m-%dT%HZ') AS burst_id,
       min(hour) AS start_hour, max(hour) + INTERVAL 1 HOUR AS end_hour, sum(n) AS accounts, max(n) AS peak_per_hour,
       round(any_value(expected), 4) AS expected_per_hour
FROM hot
GROUP BY instance, server, grp
HAVING sum(n) >= 5
ORDER BY instance, server, start_hour;
