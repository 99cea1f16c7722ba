-- Domain blocks are for fediverse instances: a promoted domain of a strong
-- campaign is proposed only where it is (or is the parent of) the
-- instance of an account in a campaign.
WITH doms AS (
  SELECT campaign_id, score, unnest(string_split(domains, ' ')) AS domain
  FROM campaigns WHERE coalesce(domains, '') <> '' AND score >= $min_score
), hosts AS (
  SELECT DISTINCT lower(a.domain) AS host
  FROM campaign_members cm JOIN accounts a ON a.instance = cm.instance AND a.account_id = cm.account_id
  WHERE a.domain IS NOT NULL
)
SELECT h.host, d.campaign_id, CAST(d.score AS DOUBLE) AS score
FROM doms d JOIN hosts h ON h.host = d.domain OR h.host LIKE '%.' || d.domain
WHERE h.host NOT IN (SELECT domain FROM instance_domains)
ORDER BY h.host, d.score DESC, d.campaign_id
