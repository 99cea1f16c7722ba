-- user_reports: the reports users filed against the campaign's accounts;
-- already_actioned: its accounts the moderators already acted on
-- (campaign_moderation, which the link stage makes).
SELECT campaign_id, score, accounts, instances, source_servers, top_servers, signup_first, signup_last, peak_per_minute,
       burst_share, apps, email_domains, distinct_ips, distinct_prefixes, asns, countries, top_networks, hosting_share, proxy_pool,
       promoted_domains, domains, registrants, statuses, direct_mentions, direct_share, recipients, mentioned_local,
       unsolicited_local, fanout_share, text_share, app_share, media_share, young_domain_share, random_name_share,
       quick_start_share, m.user_reports, m.already_actioned, summary
FROM campaigns
JOIN campaign_moderation m USING (campaign_id)
ORDER BY score DESC, accounts DESC, campaign_id
