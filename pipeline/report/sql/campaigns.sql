-- user_reports: the reports users filed against the campaign's accounts;
-- already_actioned: its accounts the moderators already acted on
-- (suspended, silenced, a warning or strike, or an admin action on the
-- account).
WITH reported AS (
  SELECT cm.campaign_id, count(*) AS user_reports
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
SELECT campaign_id, score, accounts, instances, source_servers, top_servers, signup_first, signup_last, peak_per_minute,
       burst_share, apps, email_domains, distinct_ips, distinct_prefixes, asns, countries, top_networks, hosting_share, proxy_pool,
       promoted_domains, domains, registrants, statuses, direct_mentions, direct_share, recipients, mentioned_local,
       unsolicited_local, fanout_share, text_share, app_share, media_share, young_domain_share, random_name_share,
       quick_start_share, coalesce(r.user_reports, 0) AS user_reports, coalesce(x.already_actioned, 0) AS already_actioned, summary
FROM campaigns
LEFT JOIN reported r USING (campaign_id)
LEFT JOIN actioned x USING (campaign_id)
ORDER BY score DESC, accounts DESC, campaign_id
