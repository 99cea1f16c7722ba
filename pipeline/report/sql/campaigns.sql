SELECT campaign_id, score, accounts, instances, signup_first, signup_last, peak_per_minute, burst_share, apps,
       email_domains, distinct_ips, distinct_prefixes, asns, countries, top_networks, hosting_share, proxy_pool, promoted_domains, domains, registrants, statuses,
       direct_mentions, direct_share, recipients, text_share, app_share, young_domain_share, summary
FROM campaigns
ORDER BY score DESC, accounts DESC, campaign_id
