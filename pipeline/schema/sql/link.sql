-- Tables of the link stage.

-- The editable lists (data/lists), as the run read them.
CREATE OR REPLACE TABLE list_email_providers (
  domain VARCHAR);

CREATE OR REPLACE TABLE list_popular_domains (
  domain VARCHAR);

CREATE OR REPLACE TABLE list_apps (
  name VARCHAR, website VARCHAR);

-- The settings of the run's linking, one row.
CREATE OR REPLACE TABLE link_settings (
  ip_cap INTEGER, prefix_cap INTEGER, min_hub INTEGER, hub_share DECIMAL(7,6), threshold DECIMAL(2,1),
  pair_cap INTEGER, full_bits DECIMAL(2,1), bits_margin DECIMAL(2,1), full_words INTEGER, min_key INTEGER,
  lift_min DECIMAL(2,1), min_campaign INTEGER, min_pair_weight DECIMAL(2,1), chance_share DECIMAL(2,1),
  key_alpha DOUBLE);

-- Near-identical emails of accounts and registrants, and their group.
CREATE OR REPLACE TABLE email_groups (
  email VARCHAR, grp VARCHAR);

-- What identifies a domain's registrant (email:, email~, org:, name:, phone:),
-- and the registrars' privacy patterns.
CREATE OR REPLACE TABLE registrant_values (
  domain VARCHAR, value VARCHAR);

CREATE OR REPLACE TABLE registrar_patterns (
  domain VARCHAR, value VARCHAR);

-- Sign-ups per minute per instance with a robust baseline, and the spikes.
CREATE OR REPLACE TABLE signups (
  instance VARCHAR, minute TIMESTAMP, signups BIGINT, baseline DOUBLE, spike BOOLEAN);

CREATE OR REPLACE TABLE spikes (
  instance VARCHAR, spike_id VARCHAR, start_minute TIMESTAMP, end_minute TIMESTAMP, signups HUGEINT,
  peak_per_minute BIGINT, baseline DOUBLE, top_app_id BIGINT, top_app_share DOUBLE,
  top_email_domains VARCHAR, distinct_ips BIGINT, distinct_prefixes BIGINT, distinct_asns BIGINT,
  top_networks VARCHAR, hosting_share DOUBLE);

-- Every username's randomness.
CREATE OR REPLACE TABLE name_shapes (
  instance VARCHAR, account_id BIGINT, randomness DOUBLE, random_looking BOOLEAN, why VARCHAR);

-- Remote accounts as this server saw them, and per server the bursts of
-- first sightings.
CREATE OR REPLACE TABLE remote_accounts (
  instance VARCHAR, account_id BIGINT, server VARCHAR, acct VARCHAR, username VARCHAR, created_at TIMESTAMP,
  first_status TIMESTAMP, statuses BIGINT, first_seen TIMESTAMP, quick_start BOOLEAN, random_name BOOLEAN);

CREATE OR REPLACE TABLE remote_bursts (
  server VARCHAR, burst_id VARCHAR, start_at TIMESTAMP, end_at TIMESTAMP, accounts BIGINT, expected DOUBLE);

-- A dense key per account, for the linking.
CREATE OR REPLACE TABLE account_keys (
  acct_key BIGINT, instance VARCHAR, account_id BIGINT);

-- The weight and meaning of each kind of evidence.
CREATE OR REPLACE TABLE weights (
  kind VARCHAR, weight DECIMAL(2,1), meaning VARCHAR, family VARCHAR);

-- The apps on the well-known list, by instance and id.
CREATE OR REPLACE TABLE known_apps (
  instance VARCHAR, app_id BIGINT);

-- Which account holds which value (kind, value).
CREATE OR REPLACE TABLE evidence (
  acct_key BIGINT, kind VARCHAR, value VARCHAR);

-- Near-duplicate statuses of two or more accounts, and each group's length.
CREATE OR REPLACE TABLE text_clusters (
  acct_key BIGINT, status_id BIGINT, text_group VARCHAR, words BIGINT);

CREATE OR REPLACE TABLE text_groups (
  value VARCHAR, words BIGINT);

-- Every shared value with its weight, and the values suppressed as hubs.
CREATE OR REPLACE TABLE attributes (
  attr_key BIGINT, kind VARCHAR, value VARCHAR, accounts BIGINT, instances BIGINT, weight DOUBLE,
  suppressed VARCHAR, base_weight DOUBLE, groups BIGINT, specificity DOUBLE, length_factor DOUBLE,
  why VARCHAR);

CREATE OR REPLACE TABLE suppressed (
  kind VARCHAR, value VARCHAR, label VARCHAR, accounts BIGINT, weight DOUBLE, reason VARCHAR);

-- The linking: each account's component, the keys of large values, what
-- linking did with them, and the links between accounts.
CREATE OR REPLACE TABLE account_component (
  acct_key BIGINT, component BIGINT);

CREATE OR REPLACE TABLE link_keys (
  k1 BIGINT, k2 BIGINT, groups BIGINT, expected DOUBLE, kind1 VARCHAR, value1 VARCHAR, kind2 VARCHAR,
  value2 VARCHAR, chance_weight DOUBLE, full_weight DOUBLE, long_enough BOOLEAN, lift DOUBLE,
  log10_p DOUBLE, log10_p_max DOUBLE, not_chance BOOLEAN, weight DOUBLE);

CREATE OR REPLACE TABLE link_stats (
  large_values BIGINT, keys_linking BIGINT, keys_not_chance BIGINT, candidate_pairs BIGINT, links BIGINT);

CREATE OR REPLACE TABLE component_links (
  a BIGINT, b BIGINT, weight DOUBLE, bridge BOOLEAN, cut BOOLEAN, attr_key BIGINT);

-- Groups below the minimum of evidence for a campaign.
CREATE OR REPLACE TABLE weak_groups (
  group_id VARCHAR, accounts BIGINT, link_weight DOUBLE, members VARCHAR, evidence VARCHAR);

-- The campaigns: members, evidence, links, accounts, networks.
CREATE OR REPLACE TABLE campaign_members (
  component BIGINT, acct_key BIGINT, instance VARCHAR, account_id BIGINT, campaign_id VARCHAR);

CREATE OR REPLACE TABLE campaign_evidence (
  campaign_id VARCHAR, kind VARCHAR, value VARCHAR, label VARCHAR, accounts BIGINT, accounts_overall BIGINT,
  weight DOUBLE, meaning VARCHAR, why VARCHAR);

CREATE OR REPLACE TABLE campaign_links (
  campaign_id VARCHAR, other_campaign_id VARCHAR, account_a VARCHAR, account_b VARCHAR, weight DOUBLE,
  bridge BOOLEAN, cut BOOLEAN, evidence VARCHAR);

CREATE OR REPLACE TABLE campaign_accounts (
  campaign_id VARCHAR, instance VARCHAR, account_id BIGINT, username VARCHAR, email VARCHAR,
  sign_up_ip VARCHAR, created_at TIMESTAMP, app VARCHAR, statuses BIGINT, direct_mentions BIGINT,
  evidence VARCHAR);

CREATE OR REPLACE TABLE campaign_networks (
  campaign_id VARCHAR, asn BIGINT, as_org VARCHAR, countries VARCHAR, addresses BIGINT, accounts BIGINT,
  hosting_addresses BIGINT);

-- One row per campaign, strongest first.
CREATE OR REPLACE TABLE campaigns (
  campaign_id VARCHAR, score DOUBLE, accounts BIGINT, instances VARCHAR, source_servers BIGINT,
  top_servers VARCHAR, signup_first TIMESTAMP, signup_last TIMESTAMP, peak_per_minute BIGINT,
  burst_share DOUBLE, apps VARCHAR, email_domains VARCHAR, distinct_ips BIGINT, distinct_prefixes BIGINT,
  asns BIGINT, countries BIGINT, top_networks VARCHAR, hosting_share DOUBLE, proxy_pool BOOLEAN,
  promoted_domains BIGINT, domains VARCHAR, registrants VARCHAR, statuses HUGEINT, direct_mentions HUGEINT,
  direct_share DOUBLE, recipients BIGINT, mentioned_local BIGINT, unsolicited_local BIGINT,
  fanout_share DOUBLE, text_share DOUBLE, app_share DOUBLE, media_share DOUBLE, young_domain_share DOUBLE,
  random_name_share DOUBLE, quick_start_share DOUBLE, summary VARCHAR);

-- Per campaign: the reports users filed against its accounts, by how many
-- reporters, and how many of its accounts the moderators already acted on
-- (suspended, silenced, a warning or strike, or an admin action on the
-- account). Every campaign has a row.
CREATE OR REPLACE TABLE campaign_moderation (
  campaign_id VARCHAR, user_reports BIGINT, reporters BIGINT, already_actioned BIGINT);

-- Per remote server: its accounts seen and in campaigns.
CREATE OR REPLACE TABLE servers (
  server VARCHAR, seen_on VARCHAR, accounts_seen BIGINT, accounts_in_campaigns BIGINT, campaign_share DOUBLE,
  ordinary_accounts BIGINT, statuses HUGEINT, ordinary_statuses HUGEINT, first_seen TIMESTAMP,
  last_seen TIMESTAMP, random_name_share DOUBLE, campaigns VARCHAR, top_score DOUBLE);
