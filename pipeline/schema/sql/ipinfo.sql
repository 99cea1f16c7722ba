-- Tables of the ipinfo stage, made anew on every run (empty when no --ipdb
-- database was given).

-- One row per distinct address of ip_history: what the databases say of
-- it, merged in the order they were given (the first that knows a field
-- gives it). hosting is true when a database flags the address as a data
-- centre, VPN, Tor exit, open proxy or relay, or its AS is on the hosting
-- list; false when some database knows the address and none says so; NULL
-- when no database knows it. flags names every flag the databases gave
-- (residential_proxy included, which is not hosting); why says where
-- hosting came from; source names the databases that knew the address,
-- built the oldest of their build times.
CREATE OR REPLACE TABLE ip_info (
  ip VARCHAR, asn BIGINT, as_org VARCHAR, network VARCHAR, country VARCHAR, hosting BOOLEAN, flags VARCHAR,
  why VARCHAR, source VARCHAR, built TIMESTAMP);

-- The databases read, in --ipdb order.
CREATE OR REPLACE TABLE ip_databases (
  name VARCHAR, format VARCHAR, type VARCHAR, built TIMESTAMP, sha256 VARCHAR, bytes BIGINT, ranges BIGINT,
  bad_lines BIGINT, addresses_known BIGINT);
