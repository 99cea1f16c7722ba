WITH latest AS (
  SELECT * FROM (
    SELECT *, row_number() OVER (PARTITION BY domain ORDER BY status IN ('found', 'redacted') DESC, observed_at DESC, source, server) AS rk
    FROM whois) WHERE rk = 1
), camp AS (
  SELECT r.domain, string_agg(DISTINCT cm.campaign_id, ' ' ORDER BY cm.campaign_id) AS campaigns
  FROM domain_refs r JOIN campaign_members cm ON cm.instance = r.instance AND cm.account_id = r.account_id
  GROUP BY r.domain
)
SELECT d.domain, d.domain_unicode, d.promoted, d.own, d.first_seen, d.last_seen, d.statuses, d.direct_statuses, d.accounts,
       d.apps, d.email_accounts, d.sources, d.found_in, d.instances, c.campaigns,
       l.status AS whois_status, l.source AS whois_source, l.observed_at AS whois_observed_at, l.registrar, l.created,
       l.registrant_name, l.registrant_org, l.registrant_email, l.registrant_country, l.name_servers, l.privacy,
       (SELECT count(*) FROM whois w WHERE w.domain = d.domain AND w.status <> 'skipped') AS whois_observations
FROM domains d LEFT JOIN latest l USING (domain) LEFT JOIN camp c USING (domain)
ORDER BY d.promoted DESC, d.accounts DESC, d.domain
