-- Macros the link stages share.

-- The /24 of an IPv4 address, the /64 of an IPv6 one.
CREATE OR REPLACE MACRO ip_prefix(ip) AS
  CASE
    WHEN ip IS NULL THEN NULL
    WHEN ip NOT LIKE '%:%' THEN regexp_extract(ip, '^(\d+\.\d+\.\d+)\.\d+$', 1) || '.0/24'
    ELSE array_to_string(list_transform(
           (string_split(split_part(ip, '::', 1), ':') || ['0', '0', '0', '0'])[1:4],
           g -> CASE WHEN ltrim(g, '0') = '' THEN '0' ELSE ltrim(lower(g), '0') END), ':') || '::/64'
  END;

-- Addresses that many unrelated people share by design: private, carrier-
-- grade NAT, loopback, link-local.
CREATE OR REPLACE MACRO shared_by_design(ip) AS
  ip LIKE '10.%' OR ip LIKE '192.168.%' OR ip LIKE '127.%' OR ip LIKE '169.254.%'
  OR regexp_matches(ip, '^172\.(1[6-9]|2\d|3[01])\.') OR regexp_matches(ip, '^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.')
  OR lower(ip) LIKE 'fe80:%' OR lower(ip) LIKE 'fc%' OR lower(ip) LIKE 'fd%' OR ip = '::1';

-- Mastodon's canonical email (canonical_email_blocks): lower-cased, dots
-- removed from the local part, +tag stripped.
CREATE OR REPLACE MACRO canonical_email(e) AS
  CASE WHEN e LIKE '%@%' THEN
    replace(split_part(split_part(lower(e), '@', 1), '+', 1), '.', '') || '@' || split_part(lower(e), '@', -1)
  END;

