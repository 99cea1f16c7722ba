-- The value nodes: every shared value that is not suppressed and weighs
-- something (see graph_accounts.sql), with a label
-- where the campaigns gave one, and the campaigns it links.
SELECT t.kind, t.value, coalesce(l.label, t.value) AS label, CAST(t.accounts AS BIGINT) AS accounts, CAST(t.weight AS DOUBLE) AS weight,
       l.campaigns
FROM attributes t
LEFT JOIN (SELECT kind, value, min(label) AS label, string_agg(DISTINCT campaign_id, ' ' ORDER BY campaign_id) AS campaigns
           FROM campaign_evidence GROUP BY kind, value) l ON l.kind = t.kind AND l.value = t.value
WHERE t.suppressed IS NULL AND t.weight > 0
ORDER BY t.kind, t.value
