SELECT campaign_id, instance, account_id, username, email, sign_up_ip, created_at, app, statuses, direct_mentions, evidence
FROM campaign_accounts
ORDER BY campaign_id, instance, created_at, account_id
