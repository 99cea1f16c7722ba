-- What each campaign can be recognised by: its promoted domains and app
-- websites, its uncommon email domains, the addresses its accounts share
-- (as the accounts wrote them), its addresses and prefixes, and the
-- registrant emails of its domains. Suppressed hubs are not evidence.
WITH doms AS (
  SELECT campaign_id, unnest(string_split(domains, ' ')) AS domain FROM campaigns WHERE coalesce(domains, '') <> ''
), ind AS (
  SELECT campaign_id, 'domain' AS type, domain AS value, 'promoted domain' AS why FROM doms
  UNION
  SELECT campaign_id, 'domain', value, CASE kind WHEN 'app_website' THEN 'website of its OAuth app' ELSE 'uncommon email domain of its accounts' END
  FROM campaign_evidence WHERE kind IN ('app_website', 'email_domain')
  UNION
  SELECT ce.campaign_id, 'email', lower(a.email), 'email address shared by its accounts'
  FROM campaign_evidence ce
  JOIN campaign_members cm ON cm.campaign_id = ce.campaign_id
  JOIN accounts a ON a.instance = cm.instance AND a.account_id = cm.account_id AND canonical_email(a.email) = ce.value
  WHERE ce.kind IN ('email', 'registrant_email')
  UNION
  SELECT d.campaign_id, 'email', lower(trim(w.registrant_email)), 'WHOIS registrant of its domain ' || d.domain
  FROM doms d JOIN whois w ON w.domain = d.domain
  WHERE w.status = 'found' AND NOT coalesce(w.privacy, false) AND w.registrant_email LIKE '%@%'
  UNION
  SELECT campaign_id, CASE kind WHEN 'ip' THEN 'ip' ELSE 'prefix' END, value,
         CASE kind WHEN 'ip' THEN 'address shared by its accounts' ELSE 'address prefix shared by its accounts' END
  FROM campaign_evidence WHERE kind IN ('ip', 'ip_prefix')
)
SELECT campaign_id, type, value, string_agg(why, '; ' ORDER BY why) AS why
FROM ind
WHERE value NOT IN (SELECT value FROM suppressed)
GROUP BY ALL
ORDER BY type, value, campaign_id
