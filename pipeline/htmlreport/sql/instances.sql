-- The instances of the dump, with their size.
SELECT instance, local_accounts, CAST(statuses AS BIGINT) AS statuses, first_signup, last_signup
FROM instances
ORDER BY instance
