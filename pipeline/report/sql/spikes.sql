SELECT s.spike_id, s.instance, s.start_minute, s.end_minute, s.signups, s.peak_per_minute, s.baseline,
       s.top_app_id, p.name AS top_app, s.top_app_share, s.top_email_domains, s.distinct_ips, s.distinct_prefixes,
       s.distinct_asns, s.top_networks, s.hosting_share
FROM spikes s LEFT JOIN apps p ON p.instance = s.instance AND p.app_id = s.top_app_id
ORDER BY s.instance, s.start_minute
