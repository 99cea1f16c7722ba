-- Addresses and prefixes the accounts of each campaign share: never a
-- suppressed hub. For each, how many accounts outside the campaign were
-- seen there (a block would stop them too), and, from ip_info, the
-- consumer (not hosting) network it lies in, if any: a prefix of a home
-- ISP is never blocked whole. Addresses and prefixes are matched by
-- equality (hash joins), each history row's prefix computed once.
WITH ce AS (
  SELECT ce.campaign_id, CAST(c.score AS DOUBLE) AS score, ce.kind, ce.value, CAST(ce.accounts AS BIGINT) AS accounts
  FROM campaign_evidence ce JOIN campaigns c USING (campaign_id)
  WHERE ce.kind IN ('ip_prefix', 'ip') AND ce.value NOT IN (SELECT value FROM suppressed)
), hist AS (
  SELECT DISTINCT instance, account_id, ip, ip_prefix(ip) AS prefix FROM ip_history WHERE ip IS NOT NULL
), seen AS (
  SELECT ce.campaign_id, ce.kind, ce.value, h.instance, h.account_id, h.ip
  FROM ce JOIN hist h ON h.ip = ce.value WHERE ce.kind = 'ip'
  UNION ALL
  SELECT ce.campaign_id, ce.kind, ce.value, h.instance, h.account_id, h.ip
  FROM ce JOIN hist h ON h.prefix = ce.value WHERE ce.kind = 'ip_prefix'
), outside AS (
  SELECT s.campaign_id, s.kind, s.value, count(DISTINCT (s.instance, s.account_id)) AS outside
  FROM seen s
  LEFT JOIN campaign_members m ON m.campaign_id = s.campaign_id AND m.instance = s.instance AND m.account_id = s.account_id
  WHERE s.account_id IS NOT NULL AND m.account_id IS NULL
  GROUP BY ALL
), consumer AS (
  SELECT s.campaign_id, s.kind, s.value, min('AS' || i.asn || coalesce(' ' || i.as_org, '')) AS consumer
  FROM seen s JOIN ip_info i ON i.ip = s.ip
  WHERE i.asn IS NOT NULL AND NOT i.hosting
  GROUP BY ALL
)
SELECT ce.campaign_id, ce.score, ce.kind, ce.value, ce.accounts, CAST(coalesce(o.outside, 0) AS BIGINT) AS outside, n.consumer
FROM ce
LEFT JOIN outside o USING (campaign_id, kind, value)
LEFT JOIN consumer n USING (campaign_id, kind, value)
ORDER BY ce.score DESC, ce.campaign_id, ce.kind DESC, ce.accounts DESC, ce.value
