-- Tables of the enrich (WHOIS/RDAP) stage.

-- One row per observation of a domain: a WHOIS or RDAP answer, a cached
-- one, an imported historical record, or a failed look-up.
CREATE OR REPLACE TABLE whois (
  domain VARCHAR, registered_domain VARCHAR, source VARCHAR, server VARCHAR, observed_at TIMESTAMP,
  status VARCHAR, registrar VARCHAR, created TIMESTAMP, updated TIMESTAMP, expires TIMESTAMP,
  status_codes VARCHAR, name_servers VARCHAR, registrant_name VARCHAR, registrant_org VARCHAR,
  registrant_email VARCHAR, registrant_phone VARCHAR, registrant_country VARCHAR, admin_email VARCHAR,
  tech_email VARCHAR, privacy BOOLEAN, raw_sha256 VARCHAR, error VARCHAR);

-- The coverage of the last enrich stage, one row, for the reports that
-- show it.
CREATE OR REPLACE TABLE whois_coverage (
  mode VARCHAR, domains INTEGER, registrant INTEGER, redacted INTEGER, no_registrant INTEGER,
  not_found INTEGER, failed INTEGER, skipped INTEGER, live_asked INTEGER, live_answered INTEGER,
  advice VARCHAR);
