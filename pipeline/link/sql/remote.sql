-- Stage "remote": accounts of other servers, as this server saw them, and
-- the bursts in which a server's accounts first appeared.
--
-- A remote account's created_at is what its server published: Mastodon
-- publishes the day only (midnight), so it says little. Its id here is a
-- Snowflake of when this server first stored it, and its first status is
-- when it first spoke: the earlier of these is when it was first seen.
-- Where the published time is a real time (not midnight), an account that
-- posted within 15 minutes of it "started at once".
INSERT INTO remote_accounts BY NAME
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

-- Bursts of first sightings: per server (whichever of the dump's instances
-- saw them), accounts first seen less than
-- three hours apart form a run; a run of at least five accounts is a burst
-- when it is far more than the server's usual rate would give in its time
-- (its share of the dump's whole span, at least an hour: 3 standard
-- deviations above). A large server whose accounts appear all the time
-- makes long runs of about its usual rate, and no burst.
INSERT INTO remote_bursts BY NAME
WITH span AS (
  SELECT greatest(1, date_diff('minute', min(first_seen), max(first_seen)) / 60.0) AS hours FROM remote_accounts
), runs AS (
  SELECT server, account_id, first_seen,
         sum(CASE WHEN prev IS NULL OR first_seen - prev >= INTERVAL 3 HOUR THEN 1 ELSE 0 END)
           OVER (PARTITION BY server ORDER BY first_seen, account_id) AS run,
         count(*) OVER (PARTITION BY server) AS total
  FROM (SELECT *, lag(first_seen) OVER (PARTITION BY server ORDER BY first_seen, account_id) AS prev
        FROM remote_accounts WHERE first_seen IS NOT NULL)
), w AS (
  SELECT server, run, min(first_seen) AS start_at, max(first_seen) AS end_at, count(*) AS accounts,
         any_value(total) * greatest(1, date_diff('minute', min(first_seen), max(first_seen)) / 60.0) / any_value(s.hours) AS expected
  FROM runs CROSS JOIN span s
  GROUP BY server, run
)
SELECT server, server || '@' || strftime(date_trunc('hour', start_at), '%Y-%m-%dT%HZ') AS burst_id,
       start_at, end_at, accounts, round(expected, 4) AS expected
FROM w
WHERE accounts >= 5 AND (accounts - expected) / sqrt(expected + 1) >= 3
ORDER BY server, start_at;
