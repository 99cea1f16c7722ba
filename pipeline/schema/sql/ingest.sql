-- Tables of the ingest stage: the canonical model of the dump, and the
-- warnings every stage adds to.

-- The quarantined rows of every stage, and the facts about the input a
-- reader must know: file, line and byte offset where known, the table and
-- field, kind, reason, the raw row (truncated; withheld for tables that
-- hold secrets), and whether the row was kept.
CREATE OR REPLACE TABLE warnings (
  instance VARCHAR, file VARCHAR, line BIGINT, byte_offset BIGINT, "table" VARCHAR, field VARCHAR,
  kind VARCHAR, reason VARCHAR, raw VARCHAR, kept BOOLEAN);

-- Statuses load straight into their canonical table (provenance first, as
-- every raw table has it); the canonical stage removes duplicates and fills
-- gaps in place. The loader's columns (ingest's rawColumns) must be these.
CREATE OR REPLACE TABLE statuses (
  instance VARCHAR NOT NULL, src_file VARCHAR NOT NULL, src_line BIGINT, src_offset BIGINT, status_id BIGINT,
  account_id BIGINT, uri VARCHAR, url VARCHAR, text VARCHAR, spoiler_text VARCHAR, visibility VARCHAR,
  reply BOOLEAN, in_reply_to_id BIGINT, in_reply_to_account_id BIGINT, reblog_of_id BIGINT,
  conversation_id BIGINT, local BOOLEAN, application_id BIGINT, language VARCHAR, sensitive BOOLEAN,
  deleted_at TIMESTAMP, edited_at TIMESTAMP, created_at TIMESTAMP, updated_at TIMESTAMP,
  content_html VARCHAR, app_name VARCHAR, app_website VARCHAR, embedded BOOLEAN);

-- Likewise loaded straight into place.
CREATE OR REPLACE TABLE mentions (
  instance VARCHAR NOT NULL, src_file VARCHAR NOT NULL, src_line BIGINT, src_offset BIGINT,
  mention_id BIGINT, status_id BIGINT, account_id BIGINT, silent BOOLEAN, created_at TIMESTAMP, acct VARCHAR,
  username VARCHAR, url VARCHAR);

-- OAuth applications; the secret only as its SHA-256.
CREATE OR REPLACE TABLE apps (
  instance VARCHAR, app_id BIGINT, name VARCHAR, client_id VARCHAR, secret_sha256 VARCHAR,
  redirect_uri VARCHAR, scopes VARCHAR, website VARCHAR, owner_type VARCHAR, owner_id BIGINT,
  superapp BOOLEAN, created_at TIMESTAMP, src_file VARCHAR, src_line BIGINT);

-- Accounts with their users' rows (email, sign-up IP, app) joined in.
CREATE OR REPLACE TABLE accounts (
  instance VARCHAR, account_id BIGINT, username VARCHAR, domain VARCHAR, acct VARCHAR, display_name VARCHAR,
  note VARCHAR, url VARCHAR, uri VARCHAR, fields VARCHAR, locked BOOLEAN, bot BOOLEAN, discoverable BOOLEAN,
  silenced BOOLEAN, suspended BOOLEAN, created_at TIMESTAMP, created_at_source VARCHAR, user_id BIGINT,
  email VARCHAR, unconfirmed_email VARCHAR, email_domain VARCHAR, sign_up_ip VARCHAR,
  created_by_application_id BIGINT, confirmed BOOLEAN, confirmed_at TIMESTAMP, approved BOOLEAN,
  disabled BOOLEAN, locale VARCHAR, last_sign_in_at TIMESTAMP, sign_in_count INTEGER, src_file VARCHAR,
  src_line BIGINT);

-- OAuth access tokens, without the token values.
CREATE OR REPLACE TABLE tokens (
  instance VARCHAR, token_id BIGINT, application_id BIGINT, user_id BIGINT, account_id BIGINT,
  created_at TIMESTAMP, revoked_at TIMESTAMP, scopes VARCHAR, last_used_at TIMESTAMP, last_used_ip VARCHAR);

-- Every address an account used, from sign-up, user_ips, logins, sessions, tokens.
CREATE OR REPLACE TABLE ip_history (
  instance VARCHAR, user_id BIGINT, account_id BIGINT, ip VARCHAR, used_at TIMESTAMP, source VARCHAR);

-- One row per preview card.
CREATE OR REPLACE TABLE cards (
  instance VARCHAR, card_id BIGINT, url VARCHAR, title VARCHAR, description VARCHAR, type VARCHAR,
  provider_name VARCHAR, provider_url VARCHAR, author_name VARCHAR, author_url VARCHAR,
  image_description VARCHAR, embed_url VARCHAR, language VARCHAR, created_at TIMESTAMP, updated_at TIMESTAMP,
  src_file VARCHAR, src_line BIGINT);

-- The card of each status, with the URL the status linked.
CREATE OR REPLACE TABLE preview_cards (
  instance VARCHAR, status_id BIGINT, preview_card_id BIGINT, url VARCHAR);

-- Media attachments; width and height are the original's.
CREATE OR REPLACE TABLE media_attachments (
  instance VARCHAR, media_id BIGINT, status_id BIGINT, account_id BIGINT, type VARCHAR, file_name VARCHAR,
  content_type VARCHAR, file_size BIGINT, blurhash VARCHAR, width INTEGER, height INTEGER, file_meta VARCHAR,
  remote_url VARCHAR, url VARCHAR, shortcode VARCHAR, description VARCHAR, created_at TIMESTAMP,
  src_file VARCHAR, src_line BIGINT);

CREATE OR REPLACE TABLE follows (
  instance VARCHAR, follow_id BIGINT, account_id BIGINT, target_account_id BIGINT, uri VARCHAR,
  created_at TIMESTAMP, src_file VARCHAR, src_line BIGINT);

-- Users' reports to the moderators, and one row per status each names.
CREATE OR REPLACE TABLE user_reports (
  instance VARCHAR, report_id BIGINT, account_id BIGINT, target_account_id BIGINT, category VARCHAR,
  comment VARCHAR, action_taken BOOLEAN, action_taken_at TIMESTAMP, action_taken_by_account_id BIGINT,
  forwarded BOOLEAN, uri VARCHAR, status_ids BIGINT[], created_at TIMESTAMP, src_file VARCHAR,
  src_line BIGINT);

CREATE OR REPLACE TABLE user_report_statuses (
  instance VARCHAR, report_id BIGINT, status_id BIGINT);

-- What moderators already did: warnings and strikes, and the admin log.
CREATE OR REPLACE TABLE account_warnings (
  instance VARCHAR, warning_id BIGINT, account_id BIGINT, target_account_id BIGINT, action VARCHAR,
  text VARCHAR, status_ids BIGINT[], report_id BIGINT, overruled_at TIMESTAMP, created_at TIMESTAMP,
  src_file VARCHAR, src_line BIGINT);

CREATE OR REPLACE TABLE admin_action_logs (
  instance VARCHAR, log_id BIGINT, account_id BIGINT, action VARCHAR, target_type VARCHAR, target_id BIGINT,
  human_identifier VARCHAR, created_at TIMESTAMP, src_file VARCHAR, src_line BIGINT);

-- What the server already blocks.
CREATE OR REPLACE TABLE email_domain_blocks (
  instance VARCHAR, block_id BIGINT, domain VARCHAR, parent_id BIGINT, allow_with_approval BOOLEAN,
  created_at TIMESTAMP, src_file VARCHAR, src_line BIGINT);

CREATE OR REPLACE TABLE ip_blocks (
  instance VARCHAR, block_id BIGINT, ip VARCHAR, severity VARCHAR, comment VARCHAR, expires_at TIMESTAMP,
  created_at TIMESTAMP, src_file VARCHAR, src_line BIGINT);

CREATE OR REPLACE TABLE domain_blocks (
  instance VARCHAR, block_id BIGINT, domain VARCHAR, severity VARCHAR, reject_media BOOLEAN,
  reject_reports BOOLEAN, private_comment VARCHAR, public_comment VARCHAR, obfuscate BOOLEAN,
  created_at TIMESTAMP, src_file VARCHAR, src_line BIGINT);

-- One row per instance of the dump.
CREATE OR REPLACE TABLE instances (
  instance VARCHAR, local_accounts BIGINT, accounts BIGINT, statuses BIGINT, first_signup TIMESTAMP,
  last_signup TIMESTAMP);
