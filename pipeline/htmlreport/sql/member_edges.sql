-- Which member shares which piece of its campaign's evidence, for the
-- campaigns small enough to draw one node per account.
SELECT cm.campaign_id, cm.instance || '/' || cm.account_id AS account, ce.kind, ce.value
FROM campaign_members cm
JOIN evidence e ON e.acct_key = cm.acct_key
JOIN campaign_evidence ce ON ce.campaign_id = cm.campaign_id AND ce.kind = e.kind AND ce.value = e.value
WHERE cm.campaign_id IN (SELECT campaign_id FROM campaigns WHERE accounts <= $max_accounts)
ORDER BY cm.campaign_id, cm.instance, cm.account_id, ce.weight DESC, ce.kind, ce.value
