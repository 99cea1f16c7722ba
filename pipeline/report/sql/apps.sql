WITH created AS (
  SELECT instance, created_by_application_id AS app_id, count(*) AS n, min(created_at) AS first, max(created_at) AS last
  FROM accounts WHERE created_by_application_id IS NOT NULL GROUP BY ALL
), posted AS (
  -- By account first, then by app: cheaper than a distinct count of the
  -- accounts over every status.
  SELECT instance, app_id, sum(n)::BIGINT AS statuses, count(account_id) AS accounts, sum(direct)::BIGINT AS direct
  FROM (SELECT instance, application_id AS app_id, account_id, count(*) AS n, count(*) FILTER (WHERE visibility = 'direct') AS direct
        FROM statuses WHERE application_id IS NOT NULL GROUP BY ALL)
  GROUP BY ALL
), camp AS (
  SELECT a.instance, a.created_by_application_id AS app_id, string_agg(DISTINCT cm.campaign_id, ' ' ORDER BY cm.campaign_id) AS campaigns
  FROM accounts a JOIN campaign_members cm ON cm.instance = a.instance AND cm.account_id = a.account_id
  WHERE a.created_by_application_id IS NOT NULL GROUP BY ALL
)
SELECT p.instance, p.app_id, p.name, p.client_id, p.website, replace(p.redirect_uri, chr(10), ' ') AS redirect_uri, p.scopes,
       p.created_at, p.superapp, (p.instance, p.app_id) IN (SELECT (instance, app_id) FROM known_apps) AS well_known,
       coalesce(c.n, 0) AS accounts_created, c.first AS first_signup, c.last AS last_signup,
       coalesce(s.accounts, 0) AS accounts_posting, coalesce(s.statuses, 0) AS statuses, coalesce(s.direct, 0) AS direct_statuses,
       k.campaigns
FROM apps p
LEFT JOIN created c USING (instance, app_id) LEFT JOIN posted s USING (instance, app_id) LEFT JOIN camp k USING (instance, app_id)
ORDER BY accounts_created DESC, p.instance, p.app_id
