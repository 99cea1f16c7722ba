-- Every campaign, strongest first, with the reports users filed against
-- its accounts and how many of them the moderators already acted on.
WITH reported AS (
  SELECT cm.campaign_id, count(*) AS user_reports, count(DISTINCT (r.instance, r.account_id)) AS reporters
  FROM campaign_members cm JOIN user_reports r ON r.instance = cm.instance AND r.target_account_id = cm.account_id
  GROUP BY cm.campaign_id
), actioned AS (
  SELECT cm.campaign_id, count(*) AS already_actioned
  FROM campaign_members cm JOIN accounts a ON a.instance = cm.instance AND a.account_id = cm.account_id
  WHERE a.suspended OR a.silenced
     OR EXISTS (SELECT 1 FROM account_warnings w WHERE w.instance = cm.instance AND w.target_account_id = cm.account_id)
     OR EXISTS (SELECT 1 FROM admin_action_logs l WHERE l.instance = cm.instance AND l.target_type = 'Account' AND l.target_id = cm.account_id)
  GROUP BY cm.campaign_id
)
SELECT campaign_id, CAST(score AS DOUBLE) AS score, CAST(accounts AS BIGINT) AS accounts, instances, signup_first, signup_last,
       CAST(peak_per_minute AS BIGINT) AS peak_per_minute, CAST(burst_share AS DOUBLE) AS burst_share, apps, email_domains,
       CAST(distinct_ips AS BIGINT) AS distinct_ips, CAST(promoted_domains AS BIGINT) AS promoted_domains, domains, registrants,
       CAST(statuses AS BIGINT) AS statuses, CAST(direct_mentions AS BIGINT) AS direct_mentions,
       CAST(recipients AS BIGINT) AS recipients, summary,
       CAST(asns AS BIGINT) AS asns, CAST(countries AS BIGINT) AS countries, CAST(hosting_share AS DOUBLE) AS hosting_share, proxy_pool,
       coalesce(r.user_reports, 0) AS user_reports, coalesce(r.reporters, 0) AS reporters, coalesce(x.already_actioned, 0) AS already_actioned,
       CAST(source_servers AS BIGINT) AS source_servers, top_servers
FROM campaigns
LEFT JOIN reported r USING (campaign_id)
LEFT JOIN actioned x USING (campaign_id)
ORDER BY score DESC, accounts DESC, campaign_id
