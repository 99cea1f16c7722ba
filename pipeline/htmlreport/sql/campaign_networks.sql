-- The networks (ASes) of each campaign's addresses, most used first (from
-- ip_info: empty without --ipdb).
SELECT campaign_id, CAST(asn AS BIGINT) AS asn, as_org, countries, CAST(addresses AS BIGINT) AS addresses,
       CAST(accounts AS BIGINT) AS accounts, CAST(hosting_addresses AS BIGINT) AS hosting_addresses
FROM campaign_networks
ORDER BY campaign_id, addresses DESC, asn
