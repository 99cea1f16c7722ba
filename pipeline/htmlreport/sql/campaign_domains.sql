-- The domains each campaign promoted (in the campaign's order: most
-- statuses first), with the latest useful WHOIS observation and every
-- registrant value any observation gave.
WITH cd AS (
  SELECT campaign_id, unnest(string_split(domains, ' ')) AS domain, unnest(range(1, len(string_split(domains, ' ')) + 1)) AS pos
  FROM campaigns WHERE coalesce(domains, '') <> ''
), latest AS (
  SELECT * FROM (
    SELECT *, row_number() OVER (PARTITION BY domain ORDER BY status IN ('found', 'redacted') DESC, observed_at DESC, source, server) AS rk
    FROM whois) WHERE rk = 1
), reg AS (
  SELECT domain, string_agg(value, chr(31) ORDER BY value) AS registrants FROM registrant_values GROUP BY domain
)
SELECT cd.campaign_id, cd.domain, coalesce(d.domain_unicode, cd.domain) AS domain_unicode,
       CAST(coalesce(d.statuses, 0) AS BIGINT) AS statuses, CAST(coalesce(d.accounts, 0) AS BIGINT) AS accounts, d.first_seen,
       l.status AS whois_status, l.registrar, l.created, l.registrant_name, l.registrant_org, l.registrant_email,
       l.registrant_country, coalesce(l.privacy, false) AS privacy, r.registrants
FROM cd
LEFT JOIN domains d ON d.domain = cd.domain
LEFT JOIN latest l ON l.domain = cd.domain
LEFT JOIN reg r ON r.domain = cd.domain
ORDER BY cd.campaign_id, cd.pos
