SELECT campaign_id, kind, value, label, accounts, accounts_overall, weight, meaning, why
FROM campaign_evidence
ORDER BY campaign_id, weight DESC, accounts DESC, kind, value
