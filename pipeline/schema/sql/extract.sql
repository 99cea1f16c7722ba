-- Tables of the extract stage.

-- The registrable domain of each instance of the dump: links to them are
-- never promoted domains.
CREATE OR REPLACE TABLE instance_domains (
  instance VARCHAR, domain VARCHAR);

-- One row per (source object, URL or host, registrable domain, where found).
CREATE OR REPLACE TABLE domain_refs (
  instance VARCHAR, source VARCHAR, source_id BIGINT, account_id BIGINT, found_in VARCHAR, url VARCHAR,
  host VARCHAR, domain VARCHAR, domain_unicode VARCHAR);

-- One row per registrable domain found anywhere, with where and how often.
CREATE OR REPLACE TABLE domains (
  domain VARCHAR, domain_unicode VARCHAR, own BOOLEAN, promoted BOOLEAN, first_seen TIMESTAMP,
  last_seen TIMESTAMP, statuses BIGINT, direct_statuses BIGINT, accounts BIGINT, email_accounts BIGINT,
  apps BIGINT, hosts BIGINT, sources VARCHAR, found_in VARCHAR, instances VARCHAR);
