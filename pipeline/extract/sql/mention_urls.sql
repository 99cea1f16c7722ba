-- The URLs of the accounts each status read as HTML mentions, space-
-- separated: links to them are not promoted domains. They are the URL an
-- API export gives, the mentioned account's url and uri, and its
-- https://host/@name and https://host/users/name (by the account's username
-- and domain, or by the acct an API export gives). Only statuses read as
-- HTML need them: in a database export, the few remote ones.
CREATE OR REPLACE TEMP TABLE mention_urls AS
SELECT instance, status_id, string_agg(DISTINCT u, ' ' ORDER BY u) AS urls
FROM (SELECT m.instance, m.status_id,
             unnest([m.url, a.url, a.uri,
                     'https://' || coalesce(a.domain, m.instance) || '/@' || a.username,
                     'https://' || coalesce(a.domain, m.instance) || '/users/' || a.username,
                     'https://' || nullif(split_part(m.acct, '@', 2), '') || '/@' || split_part(m.acct, '@', 1),
                     'https://' || nullif(split_part(m.acct, '@', 2), '') || '/users/' || split_part(m.acct, '@', 1)]) AS u
      FROM mentions m
      SEMI JOIN statuses h ON h.instance = m.instance AND h.status_id = m.status_id AND h.content_html IS NOT NULL
      LEFT JOIN accounts a ON a.instance = m.instance AND a.account_id = m.account_id)
WHERE u IS NOT NULL AND NOT contains(u, ' ') GROUP BY ALL;
