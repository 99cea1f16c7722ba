-- Every text that may hold a domain, one row per source object: instance,
-- source, source_id, account_id, the kind of content (html, text, email,
-- url, urls, fields), the content, and for status HTML the URLs of the
-- accounts it mentions (links to them are not promoted domains): the URL an
-- API export gives, the mentioned account's url and uri, and its
-- https://host/@name and https://host/users/name (by the account's username
-- and domain, or by the acct an API export gives).
-- A status's HTML is content_html: an API export's content, or a remote
-- status's text in a database export (the canonical stage moved it there).
-- A URL or host always holds a dot, "://" or a defanged "[dot]" / "(dot)"
-- (in HTML any of them may hide behind a character reference, so there an
-- "&" is enough): statuses with none of them are passed over here, at the
-- cost of a byte scan, and never cross to the extractor.
SELECT s.instance, 'status' AS source, s.status_id AS source_id, s.account_id, 'html' AS kind,
       s.content_html AS content, m.urls
FROM statuses s
LEFT JOIN (SELECT instance, status_id, string_agg(DISTINCT u, ' ' ORDER BY u) AS urls
           FROM (SELECT m.instance, m.status_id,
                        unnest([m.url, a.url, a.uri,
                                'https://' || coalesce(a.domain, m.instance) || '/@' || a.username,
                                'https://' || coalesce(a.domain, m.instance) || '/users/' || a.username,
                                'https://' || nullif(split_part(m.acct, '@', 2), '') || '/@' || split_part(m.acct, '@', 1),
                                'https://' || nullif(split_part(m.acct, '@', 2), '') || '/users/' || split_part(m.acct, '@', 1)]) AS u
                 FROM mentions m
                 LEFT JOIN accounts a ON a.instance = m.instance AND a.account_id = m.account_id)
           WHERE u IS NOT NULL AND NOT contains(u, ' ') GROUP BY ALL) m
  ON m.instance = s.instance AND m.status_id = s.status_id
WHERE s.content_html IS NOT NULL
  AND (contains(s.content_html, '.') OR contains(s.content_html, '://') OR contains(s.content_html, '&')
       OR regexp_matches(s.content_html, '(?i)[\[(]dot[\])]'))
UNION ALL
SELECT instance, 'status', status_id, account_id, 'text', text, NULL
FROM statuses
WHERE content_html IS NULL AND text IS NOT NULL
  AND (contains(text, '.') OR contains(text, '://') OR regexp_matches(text, '(?i)[\[(]dot[\])]'))
UNION ALL
SELECT instance, 'email', account_id, account_id, 'email', email, NULL FROM accounts WHERE email IS NOT NULL
UNION ALL
SELECT instance, 'note', account_id, account_id, CASE WHEN note LIKE '%<%' THEN 'html' ELSE 'text' END, note, NULL
FROM accounts WHERE coalesce(note, '') <> ''
UNION ALL
SELECT instance, 'field', account_id, account_id, 'fields', fields, NULL
FROM accounts WHERE coalesce(fields, '') NOT IN ('', '[]', '{}')
UNION ALL
SELECT instance, 'app_website', app_id, NULL, 'url', website, NULL FROM apps WHERE coalesce(website, '') <> ''
UNION ALL
SELECT instance, 'app_redirect_uri', app_id, NULL, 'urls', redirect_uri, NULL FROM apps WHERE coalesce(redirect_uri, '') <> ''
UNION ALL
SELECT p.instance, 'card', p.status_id, s.account_id, 'url', p.url, NULL
FROM preview_cards p LEFT JOIN statuses s ON s.instance = p.instance AND s.status_id = p.status_id
WHERE p.url IS NOT NULL
