-- Sign-ups per minute per instance (local accounts with a known time).
SELECT instance, minute, CAST(signups AS BIGINT) AS signups
FROM signups
ORDER BY instance, minute
