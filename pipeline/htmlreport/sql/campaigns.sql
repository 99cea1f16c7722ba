-- Every campaign, strongest first, with the reports users filed against
-- its accounts and how many of them the moderators already acted on
-- (campaign_moderation, which the link stage makes).
SELECT campaign_id, CAST(score AS DOUBLE) AS score, CAST(accounts AS BIGINT) AS accounts, instances, signup_first, signup_last,
       CAST(peak_per_minute AS BIGINT) AS peak_per_minute, CAST(burst_share AS DOUBLE) AS burst_share, apps, email_domains,
       CAST(distinct_ips AS BIGINT) AS distinct_ips, CAST(promoted_domains AS BIGINT) AS promoted_domains, domains, registrants,
       CAST(statuses AS BIGINT) AS statuses, CAST(direct_mentions AS BIGINT) AS direct_mentions,
       CAST(recipients AS BIGINT) AS recipients, summary,
       CAST(asns AS BIGINT) AS asns, CAST(countries AS BIGINT) AS countries, CAST(hosting_share AS DOUBLE) AS hosting_share, proxy_pool,
       m.user_reports, m.reporters, m.already_actioned,
       CAST(source_servers AS BIGINT) AS source_servers, top_servers
FROM campaigns
JOIN campaign_moderation m USING (campaign_id)
ORDER BY score DESC, accounts DESC, campaign_id
