-- Domain blocks are for fediverse instances. Two kinds are proposed:
--
-- 1. Source servers of a federated wave: a server whose accounts seen here
--    are mostly in strong campaigns. Suspend where the campaigns are all
--    that was seen of it (at most one other account); limit ("silence" in
--    Mastodon's file) where they are most of it and the rest is little
--    (at most five other accounts, at most a third of its accounts).
--    A server with substantial ordinary activity is never proposed: its
--    campaign accounts are in suspend_accounts.csv instead. Media are
--    rejected where an image is the campaign's vehicle.
-- 2. A promoted domain of a strong campaign that is (or is the parent of)
--    the instance of an account in a campaign.
WITH strong AS (
  SELECT cm.instance, cm.account_id, c.campaign_id, c.score, c.media_share
  FROM campaign_members cm JOIN campaigns c USING (campaign_id)
  WHERE c.score >= $min_score
), per_server AS (
  SELECT r.server, count(*) AS in_strong, arg_max(s.campaign_id, s.score) AS campaign_id, max(s.score) AS score,
         max(s.media_share) AS media_share
  FROM remote_accounts r JOIN strong s USING (instance, account_id)
  GROUP BY r.server
), servers_ AS (
  SELECT v.server AS host,
         CASE WHEN p.in_strong >= 3 AND v.accounts_seen - p.in_strong <= 1 THEN 'suspend'
              WHEN p.in_strong >= 3 AND v.accounts_seen - p.in_strong <= 5 AND p.in_strong / v.accounts_seen >= 2 / 3 THEN 'silence'
         END AS severity,
         p.media_share >= 0.5 AS reject_media,
         p.campaign_id, CAST(p.score AS DOUBLE) AS score,
         p.in_strong || ' of the ' || v.accounts_seen || ' accounts seen from it' AS why
  FROM servers v JOIN per_server p USING (server)
), doms AS (
  SELECT campaign_id, score, unnest(string_split(domains, ' ')) AS domain
  FROM campaigns WHERE coalesce(domains, '') <> '' AND score >= $min_score
), hosts AS (
  SELECT DISTINCT lower(a.domain) AS host
  FROM campaign_members cm JOIN accounts a ON a.instance = cm.instance AND a.account_id = cm.account_id
  WHERE a.domain IS NOT NULL
)
SELECT host, severity, reject_media, campaign_id, score, why, 1 AS rank
FROM servers_ WHERE severity IS NOT NULL AND host NOT IN (SELECT domain FROM instance_domains)
UNION ALL
SELECT h.host, 'suspend', true, d.campaign_id, CAST(d.score AS DOUBLE), 'its instance promoted by the campaign', 2
FROM doms d JOIN hosts h ON h.host = d.domain OR h.host LIKE '%.' || d.domain
WHERE h.host NOT IN (SELECT domain FROM instance_domains)
ORDER BY host, rank, score DESC, campaign_id
