-- Stage "canonical": the raw tables of every member and instance become the
-- canonical model, in the tables pipeline/schema declares (sql/ingest.sql:
-- the stage makes them anew and empty before this runs). Canonical tables
-- carry no order: every report orders its own rows fully. Duplicate keys
-- are quarantined (the first row in member order is kept), dangling
-- references are warned about and kept. The stage can run again over the
-- same raw tables.

-- Snowflake ids: id >> 16 is Unix time in milliseconds. Ids of accounts made
-- before Mastodon 2.0 are plain sequences; those decode to 1970 and are not used.
CREATE OR REPLACE MACRO snowflake_time(id) AS
  CASE WHEN id >> 16 BETWEEN 1451606400000 AND 4102444800000
       THEN make_timestamp((id >> 16) * 1000) END;

-- PostgreSQL arrays of ids as psql and pg_dump write them ({1,2}; a
-- character varying[] may quote its elements), or as JSON ([1,2]). Anything
-- else is NULL (and warned about below).
CREATE OR REPLACE MACRO id_array(s) AS
  CASE WHEN nullif(trim(s), '') IS NULL THEN NULL
       WHEN regexp_full_match(s, '\s*[\[{]\s*[\]}]\s*') THEN []::BIGINT[]
       WHEN regexp_full_match(s, '\s*[\[{]\s*"?\d{1,18}"?(\s*,\s*"?\d{1,18}"?)*\s*[\]}]\s*')
         THEN CAST(string_split(regexp_replace(s, '[\[\]{}"\s]', '', 'g'), ',') AS BIGINT[])
  END;

-- Duplicate keys, found on the keys alone (narrow and fast); the rows they
-- name are left out of the canonical tables below.
CREATE OR REPLACE TEMP TABLE dups AS
SELECT * FROM (
  SELECT 'accounts' AS t, rowid AS rid, coalesce(embedded, false) AS embedded,
         row_number() OVER (PARTITION BY instance, id ORDER BY coalesce(embedded, false), rowid) AS rk
  FROM raw_accounts WHERE (instance, id) IN (SELECT (instance, id) FROM raw_accounts GROUP BY ALL HAVING count(*) > 1)
  UNION ALL
  SELECT 'users', rowid, false, row_number() OVER (PARTITION BY instance, account_id ORDER BY rowid)
  FROM raw_users WHERE (instance, account_id) IN (SELECT (instance, account_id) FROM raw_users GROUP BY ALL HAVING count(*) > 1)
  UNION ALL
  SELECT 'statuses', rowid, coalesce(embedded, false),
         row_number() OVER (PARTITION BY instance, status_id ORDER BY coalesce(embedded, false), rowid)
  FROM statuses WHERE (instance, status_id) IN (SELECT (instance, status_id) FROM statuses GROUP BY ALL HAVING count(*) > 1)
  UNION ALL
  SELECT 'oauth_applications', rowid, false, row_number() OVER (PARTITION BY instance, id ORDER BY rowid)
  FROM raw_oauth_applications WHERE (instance, id) IN (SELECT (instance, id) FROM raw_oauth_applications GROUP BY ALL HAVING count(*) > 1)
  UNION ALL
  SELECT 'oauth_access_tokens', rowid, false, row_number() OVER (PARTITION BY instance, id ORDER BY rowid)
  FROM raw_oauth_access_tokens WHERE (instance, id) IN (SELECT (instance, id) FROM raw_oauth_access_tokens GROUP BY ALL HAVING count(*) > 1)
  UNION ALL
  SELECT 'preview_cards', rowid, false, row_number() OVER (PARTITION BY instance, id ORDER BY rowid)
  FROM raw_preview_cards WHERE (instance, id) IN (SELECT (instance, id) FROM raw_preview_cards WHERE id IS NOT NULL GROUP BY ALL HAVING count(*) > 1)
  UNION ALL
  SELECT 'media_attachments', rowid, coalesce(embedded, false),
         row_number() OVER (PARTITION BY instance, id ORDER BY coalesce(embedded, false), rowid)
  FROM raw_media_attachments WHERE (instance, id) IN (SELECT (instance, id) FROM raw_media_attachments WHERE id IS NOT NULL GROUP BY ALL HAVING count(*) > 1)
  UNION ALL
  SELECT 'follows', rowid, false, row_number() OVER (PARTITION BY instance, id ORDER BY rowid)
  FROM raw_follows WHERE (instance, id) IN (SELECT (instance, id) FROM raw_follows WHERE id IS NOT NULL GROUP BY ALL HAVING count(*) > 1)
  UNION ALL
  SELECT 'reports', rowid, false, row_number() OVER (PARTITION BY instance, id ORDER BY rowid)
  FROM raw_reports WHERE (instance, id) IN (SELECT (instance, id) FROM raw_reports WHERE id IS NOT NULL GROUP BY ALL HAVING count(*) > 1)
  UNION ALL
  SELECT 'account_warnings', rowid, false, row_number() OVER (PARTITION BY instance, id ORDER BY rowid)
  FROM raw_account_warnings WHERE (instance, id) IN (SELECT (instance, id) FROM raw_account_warnings WHERE id IS NOT NULL GROUP BY ALL HAVING count(*) > 1)
  UNION ALL
  SELECT 'admin_action_logs', rowid, false, row_number() OVER (PARTITION BY instance, id ORDER BY rowid)
  FROM raw_admin_action_logs WHERE (instance, id) IN (SELECT (instance, id) FROM raw_admin_action_logs WHERE id IS NOT NULL GROUP BY ALL HAVING count(*) > 1)
  UNION ALL
  SELECT 'email_domain_blocks', rowid, false, row_number() OVER (PARTITION BY instance, id ORDER BY rowid)
  FROM raw_email_domain_blocks WHERE (instance, id) IN (SELECT (instance, id) FROM raw_email_domain_blocks WHERE id IS NOT NULL GROUP BY ALL HAVING count(*) > 1)
  UNION ALL
  SELECT 'ip_blocks', rowid, false, row_number() OVER (PARTITION BY instance, id ORDER BY rowid)
  FROM raw_ip_blocks WHERE (instance, id) IN (SELECT (instance, id) FROM raw_ip_blocks WHERE id IS NOT NULL GROUP BY ALL HAVING count(*) > 1)
  UNION ALL
  SELECT 'domain_blocks', rowid, false, row_number() OVER (PARTITION BY instance, id ORDER BY rowid)
  FROM raw_domain_blocks WHERE (instance, id) IN (SELECT (instance, id) FROM raw_domain_blocks WHERE id IS NOT NULL GROUP BY ALL HAVING count(*) > 1)
) WHERE rk > 1;

CREATE OR REPLACE TEMP VIEW ranked_accounts AS
  SELECT *, CASE WHEN rowid IN (SELECT rid FROM dups WHERE t = 'accounts') THEN 2 ELSE 1 END AS rk FROM raw_accounts;
CREATE OR REPLACE TEMP VIEW ranked_users AS
  SELECT *, CASE WHEN rowid IN (SELECT rid FROM dups WHERE t = 'users') THEN 2 ELSE 1 END AS rk FROM raw_users;
CREATE OR REPLACE TEMP VIEW ranked_apps AS
  SELECT *, CASE WHEN rowid IN (SELECT rid FROM dups WHERE t = 'oauth_applications') THEN 2 ELSE 1 END AS rk FROM raw_oauth_applications;
CREATE OR REPLACE TEMP VIEW ranked_tokens AS
  SELECT *, CASE WHEN rowid IN (SELECT rid FROM dups WHERE t = 'oauth_access_tokens') THEN 2 ELSE 1 END AS rk FROM raw_oauth_access_tokens;

DELETE FROM warnings WHERE kind IN ('duplicate_key', 'dangling_reference', 'bad_value_sql');

INSERT INTO warnings (instance, file, line, byte_offset, "table", field, kind, reason, raw, kept)
SELECT instance, src_file, src_line, src_offset, 'accounts', 'id', 'duplicate_key',
       'account id ' || id || ' appears again: the first row was kept', NULL, false
FROM ranked_accounts WHERE rk > 1 AND NOT coalesce(embedded, false)
UNION ALL
SELECT instance, src_file, src_line, src_offset, 'users', 'account_id', 'duplicate_key',
       'a second user row for account ' || account_id || ': the first was kept', NULL, false
FROM ranked_users WHERE rk > 1
UNION ALL
SELECT instance, src_file, src_line, src_offset, 'statuses', 'id', 'duplicate_key',
       'status id ' || status_id || ' appears again: the first row was kept', NULL, false
FROM statuses WHERE rowid IN (SELECT rid FROM dups WHERE t = 'statuses' AND NOT embedded)
UNION ALL
SELECT instance, src_file, src_line, src_offset, 'oauth_applications', 'id', 'duplicate_key',
       'application id ' || id || ' appears again: the first row was kept', NULL, false
FROM ranked_apps WHERE rk > 1
UNION ALL
SELECT instance, src_file, src_line, src_offset, 'oauth_access_tokens', 'id', 'duplicate_key',
       'token id ' || id || ' appears again: the first row was kept', NULL, false
FROM ranked_tokens WHERE rk > 1
UNION ALL
SELECT d.instance, d.src_file, d.src_line, d.src_offset, d.t, 'id', 'duplicate_key',
       replace(d.t, '_', ' ') || ' id ' || d.id || ' appears again: the first row was kept', NULL, false
FROM (
  SELECT 'preview_cards' AS t, rowid AS rid, instance, src_file, src_line, src_offset, id FROM raw_preview_cards
  UNION ALL SELECT 'media_attachments', rowid, instance, src_file, src_line, src_offset, id FROM raw_media_attachments
  UNION ALL SELECT 'follows', rowid, instance, src_file, src_line, src_offset, id FROM raw_follows
  UNION ALL SELECT 'reports', rowid, instance, src_file, src_line, src_offset, id FROM raw_reports
  UNION ALL SELECT 'account_warnings', rowid, instance, src_file, src_line, src_offset, id FROM raw_account_warnings
  UNION ALL SELECT 'admin_action_logs', rowid, instance, src_file, src_line, src_offset, id FROM raw_admin_action_logs
  UNION ALL SELECT 'email_domain_blocks', rowid, instance, src_file, src_line, src_offset, id FROM raw_email_domain_blocks
  UNION ALL SELECT 'ip_blocks', rowid, instance, src_file, src_line, src_offset, id FROM raw_ip_blocks
  UNION ALL SELECT 'domain_blocks', rowid, instance, src_file, src_line, src_offset, id FROM raw_domain_blocks
) d JOIN dups ON dups.t = d.t AND dups.rid = d.rid AND NOT dups.embedded;

INSERT INTO apps BY NAME
SELECT instance, id AS app_id, name, uid AS client_id, secret_sha256, redirect_uri, scopes, website,
       owner_type, owner_id, coalesce(superapp, false) AS superapp, created_at, src_file, src_line
FROM ranked_apps WHERE rk = 1
ORDER BY instance, app_id;

INSERT INTO accounts BY NAME
SELECT a.instance,
       a.id AS account_id,
       a.username,
       nullif(a.domain, '') AS domain,
       coalesce(a.acct, CASE WHEN nullif(a.domain, '') IS NULL THEN a.username ELSE a.username || '@' || a.domain END) AS acct,
       a.display_name, a.note, a.url, a.uri, a.fields,
       coalesce(a.locked, false) AS locked,
       coalesce(a.bot, a.actor_type IN ('Application', 'Service'), false) AS bot,
       a.discoverable,
       coalesce(a.silenced, a.silenced_at IS NOT NULL) AS silenced,
       coalesce(a.suspended, a.suspended_at IS NOT NULL) AS suspended,
       CASE
         WHEN u.created_at IS NOT NULL THEN u.created_at
         WHEN coalesce(a.created_at_precision, 'exact') = 'exact' AND a.created_at IS NOT NULL THEN a.created_at
         WHEN snowflake_time(a.id) IS NOT NULL
              AND (a.created_at IS NULL OR CAST(snowflake_time(a.id) AS DATE) = CAST(a.created_at AS DATE)) THEN snowflake_time(a.id)
         ELSE a.created_at
       END AS created_at,
       CASE
         WHEN u.created_at IS NOT NULL THEN 'users'
         WHEN coalesce(a.created_at_precision, 'exact') = 'exact' AND a.created_at IS NOT NULL THEN 'accounts'
         WHEN snowflake_time(a.id) IS NOT NULL
              AND (a.created_at IS NULL OR CAST(snowflake_time(a.id) AS DATE) = CAST(a.created_at AS DATE)) THEN 'snowflake'
         WHEN a.created_at IS NOT NULL THEN 'day'
       END AS created_at_source,
       u.id AS user_id,
       u.email,
       u.unconfirmed_email,
       lower(nullif(split_part(u.email, '@', -1), u.email)) AS email_domain,
       u.sign_up_ip,
       u.created_by_application_id,
       coalesce(u.confirmed, u.confirmed_at IS NOT NULL) AS confirmed,
       u.confirmed_at,
       coalesce(u.approved, true) AS approved,
       coalesce(u.disabled, false) AS disabled,
       u.locale,
       u.last_sign_in_at,
       u.sign_in_count,
       a.src_file, a.src_line
FROM ranked_accounts a
LEFT JOIN (SELECT * FROM ranked_users WHERE rk = 1) u ON u.instance = a.instance AND u.account_id = a.id
WHERE a.rk = 1;

-- Statuses were loaded into their canonical table directly; here they lose
-- their duplicates and gain what the export left out.
DELETE FROM statuses WHERE rowid IN (SELECT rid FROM dups WHERE t = 'statuses');
-- A status is local when its author is (Mastodon sets statuses.local from
-- the account): when the export left local NULL, the author's domain says;
-- the URI says for an author not in the dump (below).
UPDATE statuses SET local = (a.domain IS NULL)
FROM accounts a
WHERE statuses.local IS NULL AND a.instance = statuses.instance AND a.account_id = statuses.account_id;
UPDATE statuses SET
  created_at = coalesce(created_at, snowflake_time(status_id)),
  reply = coalesce(reply, in_reply_to_id IS NOT NULL),
  local = coalesce(local, uri IS NULL OR uri LIKE 'https://' || instance || '/%'),
  sensitive = coalesce(sensitive, false)
WHERE created_at IS NULL OR reply IS NULL OR local IS NULL OR sensitive IS NULL;
-- Mastodon keeps a local status's text as the author typed it, and a
-- remote status's text as the HTML its server sent: that text is the
-- status's HTML, as an API export's content is, and moves to content_html.
UPDATE statuses SET content_html = text, text = NULL
WHERE content_html IS NULL AND text IS NOT NULL AND NOT local;

-- Mentions were loaded into their canonical table directly. acct, username
-- and url are as an API export gives them; a database export has only the
-- account id (join accounts for the names).
UPDATE mentions SET silent = false WHERE silent IS NULL;

INSERT INTO tokens BY NAME
SELECT t.instance, t.id AS token_id, t.application_id, t.resource_owner_id AS user_id, a.account_id,
       t.created_at, t.revoked_at, t.scopes, t.last_used_at, t.last_used_ip
FROM ranked_tokens t
LEFT JOIN accounts a ON a.instance = t.instance AND a.user_id = t.resource_owner_id
WHERE t.rk = 1;

INSERT INTO ip_history BY NAME
WITH ips AS (
  SELECT instance, user_id, account_id, sign_up_ip AS ip, created_at AS used_at, 'sign_up' AS source
  FROM accounts WHERE sign_up_ip IS NOT NULL
  UNION ALL
  SELECT r.instance, coalesce(r.user_id, a.user_id), coalesce(r.account_id, a.account_id), r.ip, r.used_at,
         CASE WHEN r.src_file LIKE '%.json%' THEN 'admin_api' ELSE 'user_ips' END
  FROM raw_user_ips r
  LEFT JOIN accounts a ON a.instance = r.instance
       AND ((r.user_id IS NOT NULL AND a.user_id = r.user_id) OR (r.user_id IS NULL AND a.account_id = r.account_id))
  UNION ALL
  SELECT l.instance, l.user_id, a.account_id, l.ip, l.created_at, 'login'
  FROM raw_login_activities l LEFT JOIN accounts a ON a.instance = l.instance AND a.user_id = l.user_id
  WHERE coalesce(l.success, true) AND l.ip IS NOT NULL
  UNION ALL
  -- A web session's address as Mastodon's user_ips view takes it: the
  -- last time the session was used.
  SELECT s.instance, s.user_id, a.account_id, s.ip, coalesce(s.updated_at, s.created_at), 'session'
  FROM raw_session_activations s LEFT JOIN accounts a ON a.instance = s.instance AND a.user_id = s.user_id
  WHERE s.ip IS NOT NULL
  UNION ALL
  SELECT instance, user_id, account_id, last_used_ip, last_used_at, 'token_last_used'
  FROM tokens WHERE last_used_ip IS NOT NULL
  UNION ALL
  SELECT u.instance, u.id, u.account_id, ip, NULL, src
  FROM (SELECT *, unnest([current_sign_in_ip, last_sign_in_ip]) AS ip,
               unnest(['current_sign_in', 'last_sign_in']) AS src
        FROM ranked_users WHERE rk = 1) u
  WHERE ip IS NOT NULL
)
SELECT DISTINCT instance, user_id, account_id, ip, used_at, source FROM ips;

-- Preview cards, one per card (Mastodon's preview_cards). An API export
-- gives a status's card without an id: those are kept once per URL.
INSERT INTO cards BY NAME
SELECT instance, id AS card_id, url, nullif(title, '') AS title, nullif(description, '') AS description, type,
       nullif(provider_name, '') AS provider_name, nullif(provider_url, '') AS provider_url,
       nullif(author_name, '') AS author_name, nullif(author_url, '') AS author_url,
       nullif(image_description, '') AS image_description, nullif(embed_url, '') AS embed_url, language,
       created_at, updated_at, src_file, src_line
FROM raw_preview_cards
WHERE rowid NOT IN (SELECT rid FROM dups WHERE t = 'preview_cards')
QUALIFY id IS NOT NULL OR row_number() OVER (PARTITION BY instance, url ORDER BY rowid) = 1;

-- The card of each status, with the URL the status linked: the join row's
-- own url where it has one (Mastodon 4.3 on), else the card's.
INSERT INTO preview_cards BY NAME
SELECT DISTINCT p.instance, p.status_id, p.preview_card_id, coalesce(nullif(p.url, ''), c.url) AS url
FROM raw_preview_cards_statuses p
LEFT JOIN cards c ON c.instance = p.instance AND c.card_id = p.preview_card_id;

-- Media attachments; width and height are the original's, from file_meta
-- (the database) or meta (the API).
INSERT INTO media_attachments BY NAME
SELECT instance, id AS media_id, status_id, account_id, type, file_file_name AS file_name,
       file_content_type AS content_type, file_file_size AS file_size, nullif(blurhash, '') AS blurhash,
       CASE WHEN json_valid(file_meta) THEN TRY_CAST(json_extract_string(file_meta, '$.original.width') AS INTEGER) END AS width,
       CASE WHEN json_valid(file_meta) THEN TRY_CAST(json_extract_string(file_meta, '$.original.height') AS INTEGER) END AS height,
       file_meta, nullif(remote_url, '') AS remote_url, url, nullif(shortcode, '') AS shortcode,
       nullif(description, '') AS description, created_at, src_file, src_line
FROM raw_media_attachments
WHERE rowid NOT IN (SELECT rid FROM dups WHERE t = 'media_attachments');

INSERT INTO follows BY NAME
SELECT instance, id AS follow_id, account_id, target_account_id, uri, created_at, src_file, src_line
FROM raw_follows WHERE rowid NOT IN (SELECT rid FROM dups WHERE t = 'follows');

-- Users' reports to the moderators, and one row per status each names.
INSERT INTO user_reports BY NAME
SELECT instance, id AS report_id, account_id, target_account_id, category, nullif(comment, '') AS comment,
       coalesce(action_taken, action_taken_at IS NOT NULL) AS action_taken, action_taken_at, action_taken_by_account_id,
       forwarded, nullif(uri, '') AS uri, id_array(status_ids) AS status_ids, created_at, src_file, src_line
FROM raw_reports WHERE rowid NOT IN (SELECT rid FROM dups WHERE t = 'reports');

INSERT INTO user_report_statuses BY NAME
SELECT DISTINCT instance, report_id, unnest(status_ids) AS status_id FROM user_reports;

-- What moderators already did: warnings and actions on accounts (strikes),
-- and the admin log of every moderation action.
INSERT INTO account_warnings BY NAME
SELECT instance, id AS warning_id, account_id, target_account_id, action, nullif(text, '') AS text,
       id_array(status_ids) AS status_ids, report_id, overruled_at, created_at, src_file, src_line
FROM raw_account_warnings WHERE rowid NOT IN (SELECT rid FROM dups WHERE t = 'account_warnings');

INSERT INTO admin_action_logs BY NAME
SELECT instance, id AS log_id, account_id, action, target_type, target_id, human_identifier, created_at, src_file, src_line
FROM raw_admin_action_logs WHERE rowid NOT IN (SELECT rid FROM dups WHERE t = 'admin_action_logs');

-- What the server already blocks.
INSERT INTO email_domain_blocks BY NAME
SELECT instance, id AS block_id, lower(trim(domain)) AS domain, parent_id,
       coalesce(allow_with_approval, false) AS allow_with_approval, created_at, src_file, src_line
FROM raw_email_domain_blocks WHERE rowid NOT IN (SELECT rid FROM dups WHERE t = 'email_domain_blocks');

INSERT INTO ip_blocks BY NAME
SELECT instance, id AS block_id, trim(ip) AS ip, severity, nullif(comment, '') AS comment, expires_at, created_at, src_file, src_line
FROM raw_ip_blocks WHERE rowid NOT IN (SELECT rid FROM dups WHERE t = 'ip_blocks');

INSERT INTO domain_blocks BY NAME
SELECT instance, id AS block_id, lower(trim(domain)) AS domain, severity, coalesce(reject_media, false) AS reject_media,
       coalesce(reject_reports, false) AS reject_reports, nullif(private_comment, '') AS private_comment,
       nullif(public_comment, '') AS public_comment, coalesce(obfuscate, false) AS obfuscate, created_at, src_file, src_line
FROM raw_domain_blocks WHERE rowid NOT IN (SELECT rid FROM dups WHERE t = 'domain_blocks');

INSERT INTO warnings (instance, file, line, byte_offset, "table", field, kind, reason, raw, kept)
SELECT u.instance, u.src_file, u.src_line, u.src_offset, 'users', 'account_id', 'dangling_reference',
       'user ' || coalesce(u.id::VARCHAR, '?') || ' names account ' || u.account_id || ', which is not in the dump (kept)', NULL, true
FROM ranked_users u ANTI JOIN accounts a ON a.instance = u.instance AND a.account_id = u.account_id
WHERE u.rk = 1
UNION ALL
SELECT s.instance, s.src_file, s.src_line, NULL, 'statuses', 'account_id', 'dangling_reference',
       'status ' || s.status_id || ' names account ' || coalesce(s.account_id::VARCHAR, 'NULL') || ', which is not in the dump (kept)', NULL, true
FROM statuses s ANTI JOIN accounts a ON a.instance = s.instance AND a.account_id = s.account_id
UNION ALL
SELECT m.instance, m.src_file, m.src_line, m.src_offset, 'mentions', 'status_id', 'dangling_reference',
       'mention of account ' || m.account_id || ' names status ' || m.status_id || ', which is not in the dump (kept)', NULL, true
FROM mentions m ANTI JOIN statuses s ON s.instance = m.instance AND s.status_id = m.status_id
UNION ALL
SELECT t.instance, 'oauth_access_tokens', NULL, NULL, 'oauth_access_tokens', 'resource_owner_id', 'dangling_reference',
       'token ' || t.token_id || ' names user ' || coalesce(t.user_id::VARCHAR, 'NULL') || ', who is not in the dump (kept)', NULL, true
FROM tokens t WHERE t.account_id IS NULL
UNION ALL
SELECT s.instance, s.src_file, s.src_line, NULL, 'statuses', 'visibility', 'bad_value_sql',
       'unknown visibility ' || s.visibility || ' (kept)', NULL, true
FROM statuses s WHERE s.visibility NOT IN ('public', 'unlisted', 'private', 'direct', 'limited')
UNION ALL
SELECT p.instance, p.src_file, p.src_line, p.src_offset, 'preview_cards_statuses', 'preview_card_id', 'dangling_reference',
       'the card of status ' || p.status_id || ' (card ' || p.preview_card_id || ') is not in the dump and the row has no url: its link is unknown (kept)', NULL, true
FROM raw_preview_cards_statuses p
WHERE nullif(p.url, '') IS NULL AND p.preview_card_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.instance = p.instance AND c.card_id = p.preview_card_id)
UNION ALL
SELECT instance, src_file, src_line, NULL, t, field, 'bad_value_sql', 'unknown ' || field || ' ' || v || ' (kept)', NULL, true
FROM (
  SELECT instance, src_file, src_line, 'preview_cards' AS t, 'type' AS field, type AS v FROM cards
  WHERE type NOT IN ('link', 'photo', 'video', 'rich')
  UNION ALL SELECT instance, src_file, src_line, 'media_attachments', 'type', type FROM media_attachments
  WHERE type NOT IN ('image', 'gifv', 'video', 'unknown', 'audio')
  UNION ALL SELECT instance, src_file, src_line, 'reports', 'category', category FROM user_reports
  WHERE category NOT IN ('other', 'spam', 'legal', 'violation')
  UNION ALL SELECT instance, src_file, src_line, 'account_warnings', 'action', action FROM account_warnings
  WHERE action NOT IN ('none', 'disable', 'mark_statuses_as_sensitive', 'delete_statuses', 'sensitive', 'silence', 'suspend')
  UNION ALL SELECT instance, src_file, src_line, 'ip_blocks', 'severity', severity FROM ip_blocks
  WHERE severity NOT IN ('sign_up_requires_approval', 'sign_up_block', 'no_access')
  UNION ALL SELECT instance, src_file, src_line, 'domain_blocks', 'severity', severity FROM domain_blocks
  WHERE severity NOT IN ('silence', 'suspend', 'noop')
)
UNION ALL
SELECT r.instance, r.src_file, r.src_line, r.src_offset, t, 'status_ids', 'bad_value_sql',
       'status_ids ' || left(r.status_ids, 100) || ' is not a list of ids (kept without them)', NULL, true
FROM (SELECT 'reports' AS t, * FROM raw_reports UNION ALL BY NAME SELECT 'account_warnings' AS t, * FROM raw_account_warnings) r
WHERE nullif(trim(r.status_ids), '') IS NOT NULL AND id_array(r.status_ids) IS NULL
UNION ALL
SELECT instance, src_file, src_line, NULL, 'media_attachments', 'file_meta', 'bad_value_sql',
       'file_meta is not JSON (kept without width and height)', NULL, true
FROM media_attachments WHERE file_meta IS NOT NULL AND NOT json_valid(file_meta);

INSERT INTO instances BY NAME
SELECT a.instance, a.local_accounts, a.accounts, coalesce(s.statuses, 0) AS statuses, a.first_signup, a.last_signup
FROM (SELECT instance,
             count(*) FILTER (WHERE domain IS NULL) AS local_accounts,
             count(*) AS accounts,
             min(created_at) FILTER (WHERE domain IS NULL) AS first_signup,
             max(created_at) FILTER (WHERE domain IS NULL) AS last_signup
      FROM accounts GROUP BY instance) a
LEFT JOIN (SELECT instance, count(*) AS statuses FROM statuses GROUP BY instance) s USING (instance)
ORDER BY a.instance;
