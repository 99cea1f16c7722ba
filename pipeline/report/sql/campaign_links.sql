SELECT campaign_id, other_campaign_id, account_a, account_b, weight, bridge, cut, evidence
FROM campaign_links
ORDER BY campaign_id NULLS LAST, account_a, account_b
