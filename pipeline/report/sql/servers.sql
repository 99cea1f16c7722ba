-- One row per remote server whose accounts the dump holds.
SELECT server, seen_on, accounts_seen, accounts_in_campaigns, campaign_share, ordinary_accounts, statuses,
       ordinary_statuses, first_seen, last_seen, random_name_share, campaigns
FROM servers
ORDER BY accounts_in_campaigns DESC, accounts_seen DESC, server
