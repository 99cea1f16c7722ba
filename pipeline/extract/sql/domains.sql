-- Stage "domains": one row per registrable domain found anywhere, with where
-- and how often. A domain is "promoted" when accounts published it (status,
-- preview card, profile note or field) and it is not one of the dump's own
-- instances; email domains and app websites are recorded, not promoted.
-- Each count is taken over distinct rows first (distinct counts of tuples
-- are slow), then joined by domain; the lists of sources, places and
-- instances are sorted lists (ordered aggregates are slow). The stage has
-- made domains (pipeline/schema) anew and empty.
INSERT INTO domains BY NAME
WITH kinds AS (
  SELECT domain, source, found_in, instance, max(domain_unicode) AS domain_unicode
  FROM domain_refs GROUP BY ALL
), hosts AS (
  SELECT domain, count(host) AS hosts FROM (SELECT DISTINCT domain, host FROM domain_refs) GROUP BY domain
), base AS (
  SELECT k.domain,
         coalesce(max(k.domain_unicode), k.domain) AS domain_unicode,
         k.domain IN (SELECT domain FROM instance_domains) AS own,
         bool_or(k.source IN ('status', 'card', 'note', 'field')) AS published,
         any_value(h.hosts) AS hosts,
         array_to_string(list_sort(list_distinct(list(k.source))), ' ') AS sources,
         array_to_string(list_sort(list_distinct(list(k.found_in))), ' ') AS found_in,
         array_to_string(list_sort(list_distinct(list(k.instance))), ' ') AS instances
  FROM kinds k JOIN hosts h USING (domain) GROUP BY k.domain
), posts AS (
  SELECT p.domain,
         count(*) FILTER (WHERE p.source = 'status') AS statuses,
         count(*) FILTER (WHERE p.source = 'status' AND s.visibility = 'direct') AS direct_statuses,
         min(s.created_at) AS first_seen, max(s.created_at) AS last_seen
  FROM (SELECT DISTINCT domain, instance, source, source_id FROM domain_refs WHERE source IN ('status', 'card')) p
  JOIN statuses s ON s.instance = p.instance AND s.status_id = p.source_id
  GROUP BY p.domain
), accts AS (
  SELECT domain,
         count(*) FILTER (WHERE published) AS accounts,
         count(*) FILTER (WHERE email) AS email_accounts
  FROM (SELECT domain, instance, account_id,
               bool_or(source IN ('status', 'card', 'note', 'field')) AS published, bool_or(source = 'email') AS email
        FROM domain_refs WHERE account_id IS NOT NULL GROUP BY ALL)
  GROUP BY domain
), apps AS (
  SELECT domain, count(*) AS apps
  FROM (SELECT DISTINCT domain, instance, source_id FROM domain_refs WHERE source LIKE 'app_%')
  GROUP BY domain
)
SELECT b.domain, b.domain_unicode, b.own, b.published AND NOT b.own AS promoted,
       p.first_seen, p.last_seen,
       coalesce(p.statuses, 0) AS statuses, coalesce(p.direct_statuses, 0) AS direct_statuses,
       coalesce(a.accounts, 0) AS accounts, coalesce(a.email_accounts, 0) AS email_accounts,
       coalesce(ap.apps, 0) AS apps, b.hosts, b.sources, b.found_in, b.instances
FROM base b
LEFT JOIN posts p USING (domain) LEFT JOIN accts a USING (domain) LEFT JOIN apps ap USING (domain)
ORDER BY b.domain;
