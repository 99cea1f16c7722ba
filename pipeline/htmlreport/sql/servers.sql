-- The remote servers some of whose accounts are in campaigns, most first.
SELECT server, CAST(accounts_seen AS BIGINT), CAST(accounts_in_campaigns AS BIGINT), CAST(campaign_share AS DOUBLE),
       first_seen, last_seen, coalesce(campaigns, '')
FROM servers
WHERE accounts_in_campaigns > 0
ORDER BY accounts_in_campaigns DESC, accounts_seen DESC, server
