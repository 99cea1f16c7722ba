-- Stage "servers": every remote server whose accounts this dump holds,
-- with how many of them are in campaigns: the facts behind servers.csv and
-- the domain blocks that remediation proposes.
INSERT INTO servers BY NAME
WITH acc AS (
  SELECT r.server, r.instance, r.account_id, r.first_seen, r.statuses, r.random_name, cm.campaign_id, c.score
  FROM remote_accounts r
  LEFT JOIN campaign_members cm USING (instance, account_id)
  LEFT JOIN campaigns c USING (campaign_id)
)
SELECT server,
       string_agg(DISTINCT instance, ' ' ORDER BY instance) AS seen_on,
       count(*) AS accounts_seen,
       count(campaign_id) AS accounts_in_campaigns,
       round(count(campaign_id) / count(*), 3) AS campaign_share,
       count(*) - count(campaign_id) AS ordinary_accounts,
       sum(statuses) AS statuses,
       coalesce(sum(statuses) FILTER (WHERE campaign_id IS NULL), 0) AS ordinary_statuses,
       min(first_seen) AS first_seen, max(first_seen) AS last_seen,
       round(count(*) FILTER (WHERE random_name) / count(*), 3) AS random_name_share,
       string_agg(DISTINCT campaign_id, ' ' ORDER BY campaign_id) AS campaigns,
       max(score) AS top_score
FROM acc
GROUP BY server
ORDER BY accounts_in_campaigns DESC, accounts_seen DESC, server;
