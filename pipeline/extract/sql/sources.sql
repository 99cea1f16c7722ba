-- Every other text that may hold a domain (status_sources.sql gives the
-- statuses'), one row per source object, in the same columns: an
-- account's email, profile note and fields, an app's website and redirect
-- URIs, a status's preview card.
SELECT instance, 'email' AS source, account_id AS source_id, account_id, 'email' AS kind, email AS content, NULL::VARCHAR AS urls
FROM accounts WHERE email IS NOT NULL
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
