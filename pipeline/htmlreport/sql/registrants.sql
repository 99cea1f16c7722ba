-- Registrant -> domains -> campaigns: every registrant value, the domains
-- it registered, and the campaigns that promoted each of them.
WITH camp AS (
  SELECT DISTINCT campaign_id, unnest(string_split(domains, ' ')) AS domain
  FROM campaigns WHERE coalesce(domains, '') <> ''
), per_domain AS (
  SELECT v.value AS registrant, v.domain, coalesce(d.domain_unicode, v.domain) AS domain_unicode,
         string_agg(c.campaign_id, ' ' ORDER BY c.campaign_id) AS campaigns
  FROM registrant_values v
  LEFT JOIN domains d ON d.domain = v.domain
  LEFT JOIN camp c ON c.domain = v.domain
  GROUP BY ALL
)
SELECT registrant, domain, domain_unicode, campaigns,
       count(*) OVER (PARTITION BY registrant) AS n_domains,
       count(campaigns) OVER (PARTITION BY registrant) AS n_promoted
FROM per_domain
ORDER BY n_promoted DESC, n_domains DESC, registrant, domain
