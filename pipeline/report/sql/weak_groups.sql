SELECT group_id, accounts, link_weight, members, evidence
FROM weak_groups
ORDER BY link_weight DESC, accounts DESC, group_id
