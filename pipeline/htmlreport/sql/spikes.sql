-- Sign-up spikes, with the app most of their accounts came through.
SELECT s.instance, s.start_minute, s.end_minute, CAST(s.signups AS BIGINT) AS signups, CAST(s.peak_per_minute AS BIGINT) AS peak,
       CAST(s.baseline AS DOUBLE) AS baseline, p.name AS top_app, CAST(s.top_app_share AS DOUBLE) AS top_app_share,
       s.top_email_domains, CAST(s.distinct_asns AS BIGINT) AS distinct_asns, s.top_networks, CAST(s.hosting_share AS DOUBLE) AS hosting_share
FROM spikes s LEFT JOIN apps p ON p.instance = s.instance AND p.app_id = s.top_app_id
ORDER BY s.instance, s.start_minute
