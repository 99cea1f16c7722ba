-- Stage "attributes": each shared value, how many accounts share it, its
-- weight, and whether it is suppressed as a hub: a value so common that it
-- would glue the instance together (a common email provider, a popular
-- domain, a well-known app, a NAT address, anything shared by a large share
-- of the accounts). Suppressed values are kept here with the reason.
--
-- The weight here is the kind's (see weights); the clustering step weighs
-- the weak values again by how specific they are (pairs.sql) and says why.
INSERT INTO attributes BY NAME
WITH per_instance AS (
  SELECT e.kind, e.value, k.instance, count(*) AS accounts
  FROM evidence e JOIN account_keys k USING (acct_key)
  GROUP BY ALL
), g AS (
  -- evidence holds an account's value once (both of its inserts are
  -- DISTINCT), so counting rows counts accounts, without the cost of
  -- distinct aggregates over every piece of evidence.
  SELECT kind, value, sum(accounts)::BIGINT AS accounts, count(*) AS instances FROM per_instance GROUP BY ALL
), total AS (
  SELECT count(*) AS n FROM accounts WHERE domain IS NULL
), wk AS (
  SELECT instance || '#' || app_id AS value FROM known_apps
)
SELECT row_number() OVER (ORDER BY g.kind, g.value) AS attr_key,
       g.kind, g.value, g.accounts, g.instances, w.weight::DOUBLE AS weight,
       CASE
         WHEN g.kind = 'email_domain' AND g.value IN (SELECT domain FROM list_email_providers) THEN 'common email provider (list)'
         WHEN g.kind = 'domain' AND g.value IN (SELECT domain FROM list_popular_domains) THEN 'popular domain (list)'
         WHEN g.kind = 'app_website' AND g.value IN (SELECT domain FROM list_popular_domains) THEN 'popular domain (list)'
         WHEN g.kind = 'app' AND g.value IN (SELECT value FROM wk) THEN 'well-known app (list, or the web client)'
         WHEN g.kind IN ('app_name', 'app_name_website') AND EXISTS (
              SELECT 1 FROM list_apps l WHERE g.value = lower(l.name) OR g.value LIKE lower(l.name) || ' %') THEN 'well-known app (list)'
         WHEN g.kind IN ('ip', 'ip_prefix') AND shared_by_design(g.value) THEN 'private or carrier-grade NAT address'
         WHEN g.kind = 'ip' AND g.accounts > (SELECT ip_cap FROM link_settings) THEN 'one address for more than ' || (SELECT ip_cap FROM link_settings) || ' accounts: a NAT, VPN or proxy exit'
         WHEN g.kind = 'ip_prefix' AND g.accounts > (SELECT prefix_cap FROM link_settings) THEN 'one prefix for more than ' || (SELECT prefix_cap FROM link_settings) || ' accounts'
         WHEN g.accounts >= (SELECT min_hub FROM link_settings)
              AND g.accounts > (SELECT hub_share FROM link_settings) * (SELECT n FROM total)
              THEN 'shared by ' || g.accounts || ' accounts, more than ' || round(100 * (SELECT hub_share FROM link_settings)) || '% of the local accounts'
       END AS suppressed,
       w.weight::DOUBLE AS base_weight, NULL::BIGINT AS groups, 1.0::DOUBLE AS specificity, 1.0::DOUBLE AS length_factor,
       CASE WHEN w.weight >= 1.0 THEN g.kind || ' shared by ' || g.accounts || ' accounts: an identity, full weight 1'
            ELSE g.kind || ' shared by ' || g.accounts || ' accounts: weight ' || w.weight END AS why
FROM g JOIN weights w USING (kind)
WHERE g.accounts >= 2;

INSERT INTO suppressed BY NAME
SELECT a.kind, a.value,
       CASE WHEN a.kind = 'app' THEN coalesce(p.name || ' (app ' || p.app_id || ' on ' || p.instance || ')', a.value) ELSE a.value END AS label,
       a.accounts, a.weight, a.suppressed AS reason
FROM attributes a
LEFT JOIN apps p ON a.kind = 'app' AND p.instance || '#' || p.app_id = a.value
WHERE a.suppressed IS NOT NULL
ORDER BY a.accounts DESC, a.kind, a.value;
