-- The accounts of each campaign, in order of sign-up.
SELECT ca.campaign_id, ca.instance, CAST(ca.account_id AS VARCHAR) AS account_id, ca.username, a.display_name, ca.email,
       ca.sign_up_ip, ca.created_at, ca.app, CAST(ca.statuses AS BIGINT) AS statuses,
       CAST(ca.direct_mentions AS BIGINT) AS direct_mentions, ca.evidence
FROM campaign_accounts ca
LEFT JOIN accounts a ON a.instance = ca.instance AND a.account_id = ca.account_id
ORDER BY ca.campaign_id, ca.created_at NULLS LAST, ca.instance, ca.account_id
