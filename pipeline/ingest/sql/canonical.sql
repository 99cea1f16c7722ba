-- Stage "canonical": the raw tables of every member and instance become the
-- canonical model. Canonical tables carry no order: every report orders its
-- own rows fully. Duplicate keys are quarantined (the first row in member
-- order is kept), dangling references are warned about and kept. Every
-- statement is idempotent: the stage can run again over the same raw tables.

-- Snowflake ids: id >> 16 is Unix time in milliseconds. Ids of accounts made
-- before Mastodon 2.0 are plain sequences; those decode to 1970 and are not used.
CREATE OR REPLACE MACRO snowflake_time(id) AS
  CASE WHEN id >> 16 BETWEEN 1451606400000 AND 4102444800000
       THEN make_timestamp((id >> 16) * 1000) END;

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

INSERT INTO warnings
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
FROM ranked_tokens WHERE rk > 1;

CREATE OR REPLACE TABLE apps AS
SELECT instance, id AS app_id, name, uid AS client_id, secret_sha256, redirect_uri, scopes, website,
       owner_type, owner_id, coalesce(superapp, false) AS superapp, created_at, src_file, src_line
FROM ranked_apps WHERE rk = 1
ORDER BY instance, app_id;

CREATE OR REPLACE TABLE accounts AS
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

CREATE OR REPLACE TABLE tokens AS
SELECT t.instance, t.id AS token_id, t.application_id, t.resource_owner_id AS user_id, a.account_id,
       t.created_at, t.revoked_at, t.scopes, t.last_used_at, t.last_used_ip
FROM ranked_tokens t
LEFT JOIN accounts a ON a.instance = t.instance AND a.user_id = t.resource_owner_id
WHERE t.rk = 1;

CREATE OR REPLACE TABLE ip_history AS
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

CREATE OR REPLACE TABLE preview_cards AS
SELECT DISTINCT instance, status_id, preview_card_id, url FROM raw_preview_cards_statuses;

INSERT INTO warnings
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
FROM statuses s WHERE s.visibility NOT IN ('public', 'unlisted', 'private', 'direct', 'limited');

CREATE OR REPLACE TABLE instances AS
SELECT a.instance, a.local_accounts, a.accounts, coalesce(s.statuses, 0) AS statuses, a.first_signup, a.last_signup
FROM (SELECT instance,
             count(*) FILTER (WHERE domain IS NULL) AS local_accounts,
             count(*) AS accounts,
             min(created_at) FILTER (WHERE domain IS NULL) AS first_signup,
             max(created_at) FILTER (WHERE domain IS NULL) AS last_signup
      FROM accounts GROUP BY instance) a
LEFT JOIN (SELECT instance, count(*) AS statuses FROM statuses GROUP BY instance) s USING (instance)
ORDER BY a.instance;
