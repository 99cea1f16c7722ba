-- Campaigns for STIX, strongest first, with when they were last active.
SELECT c.campaign_id, CAST(c.score AS DOUBLE) AS score, CAST(c.accounts AS BIGINT) AS accounts, c.instances,
       c.signup_first, greatest(c.signup_last, s.last_status) AS last_seen, c.summary
FROM campaigns c
LEFT JOIN (SELECT cm.campaign_id, max(st.created_at) AS last_status
           FROM campaign_members cm JOIN statuses st ON st.instance = cm.instance AND st.account_id = cm.account_id
           GROUP BY cm.campaign_id) s USING (campaign_id)
ORDER BY c.score DESC, c.accounts DESC, c.campaign_id
