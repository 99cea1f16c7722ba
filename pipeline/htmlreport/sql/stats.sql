-- Totals for the head of the report.
SELECT (SELECT count(*) FROM accounts WHERE domain IS NULL) AS local_accounts,
       (SELECT count(*) FROM statuses) AS statuses,
       (SELECT count(*) FROM domains WHERE promoted) AS promoted_domains,
       (SELECT count(DISTINCT value) FROM registrant_values) AS registrants,
       (SELECT count(*) FROM suppressed) AS suppressed
