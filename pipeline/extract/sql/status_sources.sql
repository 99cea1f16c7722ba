-- The statuses whose rowid is in [$1, $2) that may hold a domain, one row
-- per status: instance, source, source_id, account_id, the kind of content
-- (html or text), the content, and for status HTML the URLs of the
-- accounts it mentions (mention_urls.sql; links to them are not promoted
-- domains).
-- A status's HTML is content_html: an API export's content, or a remote
-- status's text in a database export (the canonical stage moved it there).
-- A URL or host always holds a dot, "://" or a defanged "[dot]" / "(dot)"
-- (in HTML any of them may hide behind a character reference, so there an
-- "&" is enough): statuses with none of them are passed over here, at the
-- cost of a byte scan, and never cross to the extractor.
-- The stage asks for the statuses a range of rowids at a time: the driver
-- materializes a result whole, and every status at once is gigabytes.
SELECT s.instance, 'status' AS source, s.status_id AS source_id, s.account_id, 'html' AS kind,
       s.content_html AS content, m.urls
FROM statuses s
LEFT JOIN mention_urls m
  ON m.instance = s.instance AND m.status_id = s.status_id
WHERE s.rowid >= $1 AND s.rowid < $2 AND s.content_html IS NOT NULL
  AND (contains(s.content_html, '.') OR contains(s.content_html, '://') OR contains(s.content_html, '&')
       OR regexp_matches(s.content_html, '(?i)[\[(]dot[\])]'))
UNION ALL
SELECT instance, 'status', status_id, account_id, 'text', text, NULL
FROM statuses
WHERE rowid >= $1 AND rowid < $2 AND content_html IS NULL AND text IS NOT NULL
  AND (contains(text, '.') OR contains(text, '://') OR regexp_matches(text, '(?i)[\[(]dot[\])]'))
