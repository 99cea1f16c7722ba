-- Email domains the accounts of each campaign signed up with, leaving out
-- the common providers and anything suppressed as a hub, used by two or
-- more of the campaign's accounts.
SELECT cm.campaign_id, CAST(c.score AS DOUBLE) AS score, lower(a.email_domain) AS domain, count(*) AS accounts
FROM campaign_members cm
JOIN campaigns c ON c.campaign_id = cm.campaign_id
JOIN accounts a ON a.instance = cm.instance AND a.account_id = cm.account_id
WHERE a.email_domain IS NOT NULL
  AND lower(a.email_domain) NOT IN (SELECT lower(domain) FROM list_email_providers)
  AND lower(a.email_domain) NOT IN (SELECT lower(value) FROM suppressed)
  AND lower(a.email_domain) NOT IN (SELECT domain FROM instance_domains)
GROUP BY ALL
HAVING count(*) >= 2
ORDER BY score DESC, cm.campaign_id, accounts DESC, domain
