-- Stage "signups": sign-ups per minute per instance against a robust
-- baseline (the trailing day, leaving out the last hour so that a burst does
-- not raise its own baseline), and the spikes they form.
INSERT INTO signups BY NAME
WITH per_min AS (
  SELECT instance, date_trunc('minute', created_at) AS minute, count(*) AS signups
  FROM accounts
  WHERE domain IS NULL AND created_at IS NOT NULL AND created_at_source <> 'day'
  GROUP BY ALL
), based AS (
  SELECT *, coalesce(sum(signups) OVER (PARTITION BY instance ORDER BY minute
              RANGE BETWEEN INTERVAL 24 HOUR PRECEDING AND INTERVAL 61 MINUTE PRECEDING), 0) / (23.0 * 60) AS baseline
  FROM per_min
)
SELECT instance, minute, signups, round(baseline, 4) AS baseline,
       signups >= 6 AND (signups - baseline) / sqrt(baseline + 1) >= 6 AS spike
FROM based
ORDER BY instance, minute;

-- The address each account signed up from: its sign-up IP, or (an API
-- export gives none) the first address its history holds.
CREATE OR REPLACE TEMP TABLE signup_ips AS
SELECT instance, account_id, ip FROM (
  SELECT instance, account_id, ip,
         row_number() OVER (PARTITION BY instance, account_id ORDER BY source <> 'sign_up', used_at NULLS LAST, ip) AS rk
  FROM ip_history WHERE account_id IS NOT NULL AND ip IS NOT NULL)
WHERE rk = 1;

-- Spike windows: spike minutes less than 10 minutes apart form one window.
-- The networks of its sign-up addresses (ip_info, when --ipdb gave a
-- database) say whether a spike came from one data centre or from many
-- home networks.
INSERT INTO spikes BY NAME
WITH s AS (
  SELECT *, sum(CASE WHEN prev IS NULL OR minute - prev > INTERVAL 10 MINUTE THEN 1 ELSE 0 END)
              OVER (PARTITION BY instance ORDER BY minute) AS n
  FROM (SELECT *, lag(minute) OVER (PARTITION BY instance ORDER BY minute) AS prev FROM signups WHERE spike)
), w AS (
  SELECT instance, n, min(minute) AS start_minute, max(minute) + INTERVAL 1 MINUTE AS end_minute,
         sum(signups) AS spike_signups, max(signups) AS peak_per_minute, round(avg(baseline), 4) AS baseline
  FROM s GROUP BY ALL
), members AS (
  SELECT w.instance, w.start_minute, a.account_id, a.created_by_application_id AS app_id, a.email_domain,
         coalesce(a.sign_up_ip, si.ip) AS sign_up_ip, i.asn, i.as_org, i.hosting, i.source
  FROM w JOIN accounts a ON a.instance = w.instance AND a.domain IS NULL
   AND a.created_at >= w.start_minute AND a.created_at < w.end_minute
  LEFT JOIN signup_ips si ON si.instance = a.instance AND si.account_id = a.account_id
  LEFT JOIN ip_info i ON i.ip = coalesce(a.sign_up_ip, si.ip)
), nets AS (
  SELECT instance, start_minute, asn, min(as_org) AS as_org, count(*) AS n,
         row_number() OVER (PARTITION BY instance, start_minute ORDER BY count(*) DESC, asn) AS rk
  FROM members WHERE asn IS NOT NULL GROUP BY instance, start_minute, asn
)
SELECT w.instance,
       w.instance || '@' || strftime(w.start_minute, '%Y-%m-%dT%H:%MZ') AS spike_id,
       w.start_minute, w.end_minute, w.spike_signups AS signups, w.peak_per_minute, w.baseline,
       (SELECT app_id FROM members m WHERE m.instance = w.instance AND m.start_minute = w.start_minute AND app_id IS NOT NULL
        GROUP BY app_id ORDER BY count(*) DESC, app_id LIMIT 1) AS top_app_id,
       (SELECT round(count(*) FILTER (WHERE app_id = (SELECT app_id FROM members m2 WHERE m2.instance = w.instance AND m2.start_minute = w.start_minute AND app_id IS NOT NULL GROUP BY app_id ORDER BY count(*) DESC, app_id LIMIT 1)) / count(*), 3)
        FROM members m WHERE m.instance = w.instance AND m.start_minute = w.start_minute) AS top_app_share,
       (SELECT string_agg(email_domain || ' ' || n, ', ' ORDER BY n DESC, email_domain) FROM
          (SELECT email_domain, count(*) AS n FROM members m WHERE m.instance = w.instance AND m.start_minute = w.start_minute AND email_domain IS NOT NULL
           GROUP BY email_domain ORDER BY n DESC, email_domain LIMIT 3)) AS top_email_domains,
       (SELECT count(DISTINCT sign_up_ip) FROM members m WHERE m.instance = w.instance AND m.start_minute = w.start_minute) AS distinct_ips,
       (SELECT count(DISTINCT ip_prefix(sign_up_ip)) FROM members m WHERE m.instance = w.instance AND m.start_minute = w.start_minute) AS distinct_prefixes,
       (SELECT CASE WHEN count(source) > 0 THEN count(DISTINCT asn) END FROM members m WHERE m.instance = w.instance AND m.start_minute = w.start_minute) AS distinct_asns,
       (SELECT string_agg('AS' || asn || coalesce(' ' || as_org, '') || ' ' || n, ', ' ORDER BY rk) FROM nets
        WHERE nets.instance = w.instance AND nets.start_minute = w.start_minute AND rk <= 3) AS top_networks,
       (SELECT round(count(*) FILTER (WHERE hosting) / nullif(count(source), 0), 3) FROM members m
        WHERE m.instance = w.instance AND m.start_minute = w.start_minute) AS hosting_share
FROM w
ORDER BY w.instance, w.start_minute;
