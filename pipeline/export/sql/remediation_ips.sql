-- Addresses and prefixes the accounts of each campaign share: never a
-- suppressed hub.
SELECT ce.campaign_id, CAST(c.score AS DOUBLE) AS score, ce.kind, ce.value, CAST(ce.accounts AS BIGINT) AS accounts
FROM campaign_evidence ce JOIN campaigns c USING (campaign_id)
WHERE ce.kind IN ('ip_prefix', 'ip') AND ce.value NOT IN (SELECT value FROM suppressed)
ORDER BY c.score DESC, ce.campaign_id, ce.kind DESC, ce.accounts DESC, ce.value
