-- Stage "domains": one row per registrable domain found anywhere, with where
-- and how often. A domain is "promoted" when accounts published it (status,
-- preview card, profile note or field) and it is not one of the dump's own
-- instances; email domains and app websites are recorded, not promoted.
CREATE OR REPLACE TABLE domains AS
WITH refs AS (
  SELECT r.*, s.created_at, s.visibility,
         r.domain IN (SELECT domain FROM instance_domains) AS own,
         r.source IN ('status', 'card', 'note', 'field') AS published
  FROM domain_refs r
  LEFT JOIN statuses s ON r.source IN ('status', 'card') AND s.instance = r.instance AND s.status_id = r.source_id
)
SELECT domain,
       coalesce(max(domain_unicode), domain) AS domain_unicode,
       bool_or(own) AS own,
       bool_or(published) AND NOT bool_or(own) AS promoted,
       min(created_at) AS first_seen,
       max(created_at) AS last_seen,
       count(DISTINCT (instance, source_id)) FILTER (WHERE source = 'status') AS statuses,
       count(DISTINCT (instance, source_id)) FILTER (WHERE source = 'status' AND visibility = 'direct') AS direct_statuses,
       count(DISTINCT (instance, account_id)) FILTER (WHERE published) AS accounts,
       count(DISTINCT (instance, account_id)) FILTER (WHERE source = 'email') AS email_accounts,
       count(DISTINCT (instance, source_id)) FILTER (WHERE source LIKE 'app_%') AS apps,
       count(DISTINCT host) AS hosts,
       string_agg(DISTINCT source, ' ' ORDER BY source) AS sources,
       string_agg(DISTINCT found_in, ' ' ORDER BY found_in) AS found_in,
       string_agg(DISTINCT instance, ' ' ORDER BY instance) AS instances
FROM refs
GROUP BY domain
ORDER BY domain;
