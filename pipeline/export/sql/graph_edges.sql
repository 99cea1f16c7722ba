-- The edges: an account shares a value (one of the nodes of
-- graph_values.sql), with the weight of the value.
SELECT k.instance, CAST(k.account_id AS VARCHAR) AS account_id, e.kind, e.value, CAST(t.weight AS DOUBLE) AS weight
FROM evidence e
JOIN attributes t ON t.kind = e.kind AND t.value = e.value AND t.suppressed IS NULL AND t.weight > 0
JOIN account_keys k ON k.acct_key = e.acct_key
ORDER BY k.instance, k.account_id, e.kind, e.value
