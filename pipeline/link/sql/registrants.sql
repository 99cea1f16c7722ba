-- Stage "registrants": what WHOIS/RDAP observations (every one kept, history
-- included) say of who registered each domain, as values accounts can share.
-- Observations of privacy services give no registrant values; their redacted
-- records give a weaker pattern instead (registrar, name servers, creation
-- week).
INSERT INTO registrant_values BY NAME
SELECT DISTINCT domain, value FROM (
  SELECT domain, 'email:' || canonical_email(registrant_email) AS value FROM whois
  WHERE status = 'found' AND NOT coalesce(privacy, false) AND registrant_email LIKE '%@%'
  UNION ALL
  SELECT w.domain, 'email~' || g.grp FROM whois w JOIN email_groups g ON g.email = canonical_email(w.registrant_email)
  WHERE w.status = 'found' AND NOT coalesce(w.privacy, false)
  UNION ALL
  SELECT domain, 'org:' || lower(trim(registrant_org)) FROM whois
  WHERE status = 'found' AND NOT coalesce(privacy, false) AND length(trim(registrant_org)) > 2
  UNION ALL
  SELECT domain, 'name:' || lower(trim(registrant_name)) FROM whois
  WHERE status = 'found' AND NOT coalesce(privacy, false) AND length(trim(registrant_name)) > 2
  UNION ALL
  SELECT domain, 'phone:' || regexp_replace(registrant_phone, '[^0-9+]', '', 'g') FROM whois
  WHERE status = 'found' AND NOT coalesce(privacy, false) AND length(regexp_replace(registrant_phone, '[^0-9]', '', 'g')) >= 6
);

INSERT INTO registrar_patterns BY NAME
SELECT DISTINCT domain,
       lower(registrar) || ' | ' || name_servers || ' | week of ' || strftime(date_trunc('week', created), '%Y-%m-%d') AS value
FROM whois
WHERE status = 'redacted' AND registrar IS NOT NULL AND coalesce(name_servers, '') <> '' AND created IS NOT NULL;
