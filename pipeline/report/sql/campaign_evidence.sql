SELECT campaign_id, kind, value, label, accounts, accounts_overall, weight, meaning
FROM campaign_evidence
ORDER BY campaign_id, weight DESC, accounts DESC, kind, value
