-- The account nodes of the evidence graph: every account that shares a
-- value that is not suppressed and weighs something (a value too common to
-- weigh anything links nobody), with its campaign.
SELECT k.acct_key, k.instance, CAST(k.account_id AS VARCHAR) AS account_id, a.username, a.domain, a.created_at,
       cm.campaign_id, CAST(c.score AS DOUBLE) AS score
FROM account_keys k
JOIN accounts a ON a.instance = k.instance AND a.account_id = k.account_id
LEFT JOIN campaign_members cm ON cm.acct_key = k.acct_key
LEFT JOIN campaigns c ON c.campaign_id = cm.campaign_id
WHERE k.acct_key IN (
  SELECT e.acct_key FROM evidence e JOIN attributes t ON t.kind = e.kind AND t.value = e.value AND t.suppressed IS NULL AND t.weight > 0)
ORDER BY k.instance, k.account_id
