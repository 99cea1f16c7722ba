-- What holds each campaign together.
SELECT campaign_id, kind, value, label, CAST(accounts AS BIGINT) AS accounts, CAST(weight AS DOUBLE) AS weight, meaning, why
FROM campaign_evidence
ORDER BY campaign_id, weight DESC, accounts DESC, kind, value
