-- Stage "evidence": every account gets an integer key, and every piece of
-- evidence an account shares with others becomes a row (account, kind,
-- value). Two accounts are linked by a value they share; how strongly is the
-- kind's weight (see weights). Text and near-identical emails are added by
-- the Go side of the stage.
INSERT INTO account_keys BY NAME
SELECT row_number() OVER (ORDER BY instance, account_id) AS acct_key, instance, account_id
FROM accounts;

-- Kinds of one family say the same thing more or less strongly (the same
-- IP implies the same /24; a shared domain implies its registrant): a link
-- counts only the heaviest value of each family, so one fact is never
-- counted twice.
INSERT INTO weights BY NAME
SELECT * FROM (VALUES
  ('app',               1.0, 'created by or posting through the same OAuth application (by id)', 'app'),
  ('app_name_website',  0.5, 'posting through apps of the same name and website (API exports show no app id)', 'app'),
  ('app_name',          0.3, 'apps of the same name registered separately', 'app'),
  ('app_website',       0.6, 'apps declaring the same website domain', 'app'),
  ('email',             1.0, 'the same canonical email address (Mastodon''s rule)', 'email'),
  ('email_similar',     0.7, 'near-identical email addresses', 'email'),
  ('email_domain',      0.6, 'the same uncommon email domain', 'email'),
  ('ip',                0.8, 'the same sign-up or login IP address', 'ip'),
  ('ip_prefix',         0.3, 'the same IPv4 /24 or IPv6 /64', 'ip'),
  ('domain',            0.8, 'promoting the same registrable domain', 'domain'),
  ('registrant',        0.8, 'promoting domains with the same WHOIS registrant', 'domain'),
  ('registrant_email',  1.0, 'the account''s email is a promoted domain''s registrant email', 'registrant_email'),
  ('registrar_pattern', 0.4, 'promoting redacted domains of one registrar, name servers and creation week', 'domain'),
  ('text',              0.6, 'near-duplicate status text', 'text'),
  ('media',             0.7, 'posting the same image (its blurhash and dimensions)', 'media'),
  ('burst',             0.5, 'signing up in the same spike through the same app or email domain, or first seen in the same burst of one remote server', 'burst')
) AS w(kind, weight, meaning, family);

-- Apps many ordinary people use: the web client and the listed apps. Their
-- names and websites say nothing (their ids are suppressed as hubs later,
-- with the reason shown).
INSERT INTO known_apps BY NAME
SELECT a.instance, a.app_id
FROM apps a
WHERE a.superapp OR EXISTS (
  SELECT 1 FROM list_apps l WHERE lower(l.name) = lower(a.name)
    AND (l.website = '' OR rtrim(lower(l.website), '/') = rtrim(lower(coalesce(a.website, '')), '/')));

-- Which account published which promoted domain.
CREATE OR REPLACE TEMP TABLE promoting AS
SELECT DISTINCT k.acct_key, r.domain
FROM domain_refs r
JOIN domains d ON d.domain = r.domain AND d.promoted
JOIN account_keys k ON k.instance = r.instance AND k.account_id = r.account_id
WHERE r.source IN ('status', 'card', 'note', 'field');

CREATE OR REPLACE TEMP TABLE burst_members AS
SELECT k.acct_key, a.instance, x.v, sp.spike_id || ' ' || x.v AS value
FROM accounts a
JOIN account_keys k USING (instance, account_id)
JOIN spikes sp ON sp.instance = a.instance AND a.created_at >= sp.start_minute AND a.created_at < sp.end_minute
CROSS JOIN LATERAL (
  SELECT 'app#' || a.created_by_application_id AS v WHERE a.created_by_application_id IS NOT NULL
  UNION ALL SELECT 'email@' || a.email_domain WHERE a.email_domain IS NOT NULL
) x
WHERE a.domain IS NULL;

CREATE OR REPLACE TEMP TABLE burst_concentrated AS
WITH inside AS (
  SELECT instance, v, count(DISTINCT acct_key) AS n FROM burst_members GROUP BY ALL
), overall AS (
  SELECT instance, 'app#' || created_by_application_id AS v, count(*) AS n FROM accounts
  WHERE domain IS NULL AND created_by_application_id IS NOT NULL GROUP BY ALL
  UNION ALL
  SELECT instance, 'email@' || email_domain, count(*) FROM accounts
  WHERE domain IS NULL AND email_domain IS NOT NULL GROUP BY ALL
)
SELECT i.instance, i.v FROM inside i JOIN overall o USING (instance, v) WHERE 2 * i.n >= o.n;

-- The apps each account posted through, once per account and app (an
-- instance's statuses outnumber its accounts tenfold; the evidence below
-- reads these few rows, not every status).
CREATE OR REPLACE TEMP TABLE status_apps AS
SELECT DISTINCT instance, account_id, application_id,
       CASE WHEN application_id IS NULL THEN lower(app_name) || ' ' || lower(coalesce(app_website, '')) END AS name_website
FROM statuses
WHERE application_id IS NOT NULL OR app_name IS NOT NULL;

-- The addresses each account used, once per account and address.
CREATE OR REPLACE TEMP TABLE account_ips AS
SELECT DISTINCT instance, account_id, ip FROM ip_history WHERE ip IS NOT NULL;

-- Every piece of evidence, repeats and all: one DISTINCT at the end
-- costs less than one at each UNION.
CREATE OR REPLACE TEMP TABLE ev AS
-- OAuth application, by id: the app that created the account, and the apps it posted through.
SELECT k.acct_key, 'app' AS kind, a.instance || '#' || a.created_by_application_id AS value
FROM accounts a JOIN account_keys k USING (instance, account_id)
WHERE a.created_by_application_id IS NOT NULL
UNION ALL
SELECT k.acct_key, 'app', s.instance || '#' || s.application_id
FROM status_apps s JOIN account_keys k USING (instance, account_id)
WHERE s.application_id IS NOT NULL
UNION ALL
SELECT k.acct_key, 'app_name_website', s.name_website
FROM status_apps s JOIN account_keys k USING (instance, account_id)
WHERE s.name_website IS NOT NULL
UNION ALL
-- The app's name and website domain, across instances.
SELECT k.acct_key, x.kind, x.value
FROM (
  SELECT instance, account_id, created_by_application_id AS app_id FROM accounts WHERE created_by_application_id IS NOT NULL
  UNION SELECT instance, account_id, application_id FROM status_apps WHERE application_id IS NOT NULL
) u
JOIN apps p ON p.instance = u.instance AND p.app_id = u.app_id
  AND (p.instance, p.app_id) NOT IN (SELECT (instance, app_id) FROM known_apps)
JOIN account_keys k ON k.instance = u.instance AND k.account_id = u.account_id
CROSS JOIN LATERAL (
  SELECT 'app_name' AS kind, lower(p.name) AS value WHERE p.name IS NOT NULL
  UNION ALL
  SELECT 'app_website', r.domain FROM domain_refs r
  WHERE r.instance = p.instance AND r.source = 'app_website' AND r.source_id = p.app_id
) x
UNION ALL
-- Email: canonical address, and uncommon domain.
SELECT k.acct_key, 'email', canonical_email(a.email)
FROM accounts a JOIN account_keys k USING (instance, account_id) WHERE a.email LIKE '%@%'
UNION ALL
SELECT k.acct_key, 'email_domain', a.email_domain
FROM accounts a JOIN account_keys k USING (instance, account_id) WHERE a.email_domain IS NOT NULL
UNION ALL
-- IP addresses and prefixes from the whole history.
SELECT k.acct_key, 'ip', h.ip
FROM account_ips h JOIN account_keys k USING (instance, account_id)
UNION ALL
SELECT k.acct_key, 'ip_prefix', p.prefix
FROM account_ips h JOIN account_keys k USING (instance, account_id)
CROSS JOIN LATERAL (SELECT ip_prefix(h.ip) AS prefix) p
WHERE p.prefix IS NOT NULL
UNION ALL
-- Promoted domains, and their registrants (any observation, history
-- included) and registration patterns.
SELECT acct_key, 'domain', domain FROM promoting
UNION ALL
SELECT p.acct_key, 'registrant', x.value FROM promoting p JOIN registrant_values x USING (domain)
UNION ALL
SELECT p.acct_key, 'registrar_pattern', x.value FROM promoting p JOIN registrar_patterns x USING (domain)
UNION ALL
SELECT k.acct_key, 'registrant_email', canonical_email(a.email)
FROM accounts a JOIN account_keys k USING (instance, account_id)
WHERE canonical_email(a.email) IN (SELECT canonical_email(registrant_email) FROM whois WHERE registrant_email LIKE '%@%')
UNION ALL
-- Sign-up bursts: the spike, with the app or the email domain, where that
-- app or domain is the spike's (at least half of the instance's accounts
-- of it signed up in the spike): one common outside the spike says
-- nothing of the few of its accounts that happened to sign up during it.
SELECT acct_key, 'burst', value FROM burst_members
WHERE (instance, v) IN (SELECT (instance, v) FROM burst_concentrated)
UNION ALL
-- Remote accounts first seen in a burst of their server.
SELECT k.acct_key, 'burst', b.burst_id
FROM remote_accounts r
JOIN account_keys k USING (instance, account_id)
JOIN remote_bursts b ON b.server = r.server AND r.first_seen BETWEEN b.start_at AND b.end_at
UNION ALL
-- The same image: Mastodon's blurhash of it and its dimensions (a copy
-- re-encoded by another server keeps both; its file size may not).
SELECT k.acct_key, 'media', m.blurhash || ' ' || m.width || 'x' || m.height
FROM media_attachments m
LEFT JOIN statuses s ON s.instance = m.instance AND s.status_id = m.status_id
JOIN account_keys k ON k.instance = m.instance AND k.account_id = coalesce(s.account_id, m.account_id)
WHERE m.blurhash IS NOT NULL AND m.width > 0 AND m.height > 0;

-- Near-identical emails (the Go side grouped them into email_groups).
INSERT INTO ev
SELECT k.acct_key, 'email_similar', g.grp
FROM accounts a JOIN account_keys k USING (instance, account_id)
JOIN email_groups g ON g.email = canonical_email(a.email);

INSERT INTO evidence BY NAME SELECT DISTINCT acct_key, kind, value FROM ev;
