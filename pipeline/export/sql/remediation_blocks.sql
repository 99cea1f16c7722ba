-- What the instances of the dump already block: domain blocks (fediverse
-- instances), email domain blocks and IP blocks, with what each does.
SELECT 'domain' AS kind, domain AS value, instance, block_id, severity AS what FROM domain_blocks
UNION ALL
SELECT 'email', domain, instance, block_id,
       CASE WHEN allow_with_approval THEN 'sign-ups need approval' ELSE 'blocked' END FROM email_domain_blocks
UNION ALL
SELECT 'ip', ip, instance, block_id, severity FROM ip_blocks
ORDER BY kind, value, instance, block_id
