-- Registrant -> domains -> campaigns -> accounts, for every registrant value
-- of any observation (historical included), near-identical emails grouped.
WITH rv AS (
  SELECT value AS registrant, domain FROM registrant_values
), camp AS (
  SELECT DISTINCT r.domain, cm.campaign_id, cm.acct_key
  FROM domain_refs r JOIN campaign_members cm ON cm.instance = r.instance AND cm.account_id = r.account_id
)
SELECT rv.registrant,
       count(DISTINCT rv.domain) AS domains,
       string_agg(DISTINCT rv.domain, ' ' ORDER BY rv.domain) AS domain_list,
       count(DISTINCT c.campaign_id) AS campaigns,
       string_agg(DISTINCT c.campaign_id, ' ' ORDER BY c.campaign_id) AS campaign_list,
       count(DISTINCT c.acct_key) AS campaign_accounts,
       (SELECT count(DISTINCT k.acct_key) FROM accounts a JOIN account_keys k USING (instance, account_id)
        WHERE rv.registrant LIKE 'email:%' AND canonical_email(a.email) = substr(rv.registrant, 7)) AS accounts_with_this_email
FROM rv LEFT JOIN camp c ON c.domain = rv.domain
GROUP BY rv.registrant
ORDER BY campaign_accounts DESC, domains DESC, rv.registrant
