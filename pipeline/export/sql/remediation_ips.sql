-- Addresses and prefixes the accounts of each campaign share: never a
-- suppressed hub. For each, how many accounts outside the campaign were
-- seen there (a block would stop them too), and, from ip_info, the
-- consumer (not hosting) network it lies in, if any: a prefix of a home
-- ISP is never blocked whole.
WITH ce AS (
  SELECT ce.campaign_id, CAST(c.score AS DOUBLE) AS score, ce.kind, ce.value, CAST(ce.accounts AS BIGINT) AS accounts
  FROM campaign_evidence ce JOIN campaigns c USING (campaign_id)
  WHERE ce.kind IN ('ip_prefix', 'ip') AND ce.value NOT IN (SELECT value FROM suppressed)
), seen AS (
  SELECT ce.campaign_id, ce.kind, ce.value, h.instance, h.account_id, h.ip
  FROM ce JOIN ip_history h ON h.ip IS NOT NULL
   AND CASE WHEN ce.kind = 'ip' THEN h.ip = ce.value ELSE ip_prefix(h.ip) = ce.value END
)
SELECT ce.campaign_id, ce.score, ce.kind, ce.value, ce.accounts,
       (SELECT CAST(count(DISTINCT (s.instance, s.account_id)) AS BIGINT) FROM seen s
        WHERE s.campaign_id = ce.campaign_id AND s.kind = ce.kind AND s.value = ce.value AND s.account_id IS NOT NULL
          AND (s.instance, s.account_id) NOT IN (SELECT (m.instance, m.account_id) FROM campaign_members m WHERE m.campaign_id = ce.campaign_id)) AS outside,
       (SELECT min('AS' || i.asn || coalesce(' ' || i.as_org, '')) FROM seen s JOIN ip_info i ON i.ip = s.ip
        WHERE s.campaign_id = ce.campaign_id AND s.kind = ce.kind AND s.value = ce.value AND i.asn IS NOT NULL AND NOT i.hosting) AS consumer
FROM ce
ORDER BY ce.score DESC, ce.campaign_id, ce.kind DESC, ce.accounts DESC, ce.value
