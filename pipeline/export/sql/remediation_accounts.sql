-- The accounts of the strong campaigns (remote ones by their full acct),
-- and whether the moderators have suspended them already.
SELECT cm.campaign_id, CAST(c.score AS DOUBLE) AS score, cm.instance, CAST(cm.account_id AS VARCHAR) AS account_id, a.username,
       a.acct, coalesce(a.suspended, false) AS suspended
FROM campaign_members cm
JOIN campaigns c ON c.campaign_id = cm.campaign_id
JOIN accounts a ON a.instance = cm.instance AND a.account_id = cm.account_id
WHERE c.score >= $min_score
ORDER BY c.score DESC, cm.campaign_id, cm.instance, cm.account_id
