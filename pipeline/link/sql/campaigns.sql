-- Stage "campaigns": components of two or more accounts become campaigns,
-- each with an id derived from its members (stable across runs), the
-- evidence that holds it together, its members, and a score of how
-- campaign-like it is.
--
-- A group is a campaign only with a minimum of evidence: at least
-- min_campaign accounts, or an identity two of its accounts share (the
-- same app id, canonical email, registrant email), or a link of at least
-- min_pair_weight. Smaller groups held by weaker links (two accounts on
-- one household IP that both posted a common greeting) are kept, findable,
-- in weak_groups, and are not campaigns.
CREATE OR REPLACE TEMP TABLE groups_ AS
SELECT component, count(*) AS accounts FROM account_component GROUP BY component HAVING count(*) >= 2;

CREATE OR REPLACE TEMP TABLE group_strength AS
WITH ident AS (
  SELECT ac.component, max(a.weight) AS w
  FROM account_component ac JOIN evidence e USING (acct_key)
  JOIN attributes a ON a.kind = e.kind AND a.value = e.value
  WHERE a.suppressed IS NULL AND a.weight >= (SELECT threshold FROM link_settings)
  GROUP BY ac.component, a.attr_key HAVING count(*) >= 2
), links AS (
  SELECT ac.component, max(l.weight) AS w
  FROM component_links l JOIN account_component ac ON ac.acct_key = l.a
  WHERE NOT l.cut GROUP BY ac.component
)
SELECT g.component, g.accounts,
       EXISTS (SELECT 1 FROM ident i WHERE i.component = g.component) AS identity,
       coalesce((SELECT max(w) FROM links l WHERE l.component = g.component), 0) AS link_weight
FROM groups_ g;

CREATE OR REPLACE TEMP TABLE members AS
SELECT c.component, k.acct_key, k.instance, k.account_id
FROM account_component c JOIN account_keys k USING (acct_key)
WHERE c.component IN (
  SELECT component FROM group_strength, link_settings s
  WHERE accounts >= s.min_campaign OR identity OR link_weight >= s.min_pair_weight);

INSERT INTO weak_groups BY NAME
WITH m AS (
  SELECT c.component, k.acct_key, k.instance, k.account_id
  FROM account_component c JOIN account_keys k USING (acct_key)
  WHERE c.component IN (SELECT component FROM groups_) AND c.component NOT IN (SELECT component FROM members)
), ev AS (
  SELECT m.component, a.kind, a.value, a.weight
  FROM m JOIN evidence e USING (acct_key) JOIN attributes a ON a.kind = e.kind AND a.value = e.value AND a.suppressed IS NULL
  GROUP BY ALL HAVING count(DISTINCT m.acct_key) >= 2
)
SELECT 'W' || substr(sha256(string_agg(instance || '/' || account_id, ',' ORDER BY instance, account_id)), 1, 12) AS group_id,
       count(*) AS accounts, any_value(gs.link_weight) AS link_weight,
       string_agg(instance || '/' || account_id, ' ' ORDER BY instance, account_id) AS members,
       (SELECT string_agg(kind || ' ' || value || ' (' || weight || ')', '; ' ORDER BY weight DESC, kind, value) FROM ev WHERE ev.component = m.component) AS evidence
FROM m JOIN group_strength gs USING (component)
GROUP BY m.component
ORDER BY link_weight DESC, accounts DESC, group_id;

INSERT INTO campaign_members BY NAME
SELECT m.*, i.campaign_id
FROM members m JOIN (
  SELECT component, 'C' || substr(sha256(string_agg(instance || '/' || account_id, ',' ORDER BY instance, account_id)), 1, 12) AS campaign_id
  FROM members GROUP BY component
) i USING (component);

-- A readable label for a shared value.
CREATE OR REPLACE TEMP TABLE labels AS
SELECT a.kind, a.value,
       CASE a.kind
         WHEN 'app' THEN (SELECT p.name || ' (app ' || p.app_id || ' on ' || p.instance || coalesce(', ' || p.website, '') || ')'
                          FROM apps p WHERE p.instance || '#' || p.app_id = a.value)
         WHEN 'text' THEN (SELECT '"' || left(regexp_replace(coalesce(s.text, regexp_replace(s.content_html, '<[^>]*>', ' ', 'g')), '\s+', ' ', 'g'), 100) || '"'
                           FROM statuses s WHERE s.status_id = TRY_CAST(substr(a.value, 6) AS BIGINT) LIMIT 1)
       END AS label
FROM attributes a WHERE a.suppressed IS NULL AND a.kind IN ('app', 'text');

INSERT INTO campaign_evidence BY NAME
SELECT cm.campaign_id, a.kind, a.value, coalesce(l.label, a.value) AS label,
       count(DISTINCT cm.acct_key) AS accounts, a.accounts AS accounts_overall, a.weight, w.meaning, a.why
FROM campaign_members cm
JOIN evidence e ON e.acct_key = cm.acct_key
JOIN attributes a ON a.kind = e.kind AND a.value = e.value AND a.suppressed IS NULL
JOIN weights w ON w.kind = a.kind
LEFT JOIN labels l ON l.kind = a.kind AND l.value = a.value
GROUP BY ALL
HAVING count(DISTINCT cm.acct_key) >= 2
ORDER BY cm.campaign_id, a.weight DESC, accounts DESC, a.kind, a.value;

-- The links between groups that weak evidence joined (or, if cut, did not).
INSERT INTO campaign_links BY NAME
SELECT ca.campaign_id, cb.campaign_id AS other_campaign_id, ka.instance || '/' || ka.account_id AS account_a,
       kb.instance || '/' || kb.account_id AS account_b, any_value(l.weight) AS weight, bool_or(l.bridge) AS bridge, bool_or(l.cut) AS cut,
       string_agg(a.kind || ' ' || a.value, '; ' ORDER BY a.kind, a.value) AS evidence
FROM component_links l
JOIN account_keys ka ON ka.acct_key = l.a
JOIN account_keys kb ON kb.acct_key = l.b
JOIN attributes a ON a.attr_key = l.attr_key
LEFT JOIN campaign_members ca ON ca.acct_key = l.a
LEFT JOIN campaign_members cb ON cb.acct_key = l.b
GROUP BY ALL
ORDER BY campaign_id, account_a, account_b;

CREATE OR REPLACE TEMP TABLE member_stats AS
SELECT cm.campaign_id, cm.acct_key, cm.instance, cm.account_id, a.username, a.email, a.email_domain, a.sign_up_ip,
       a.created_at, a.created_by_application_id AS app_id, p.name AS app_name,
       EXISTS (SELECT 1 FROM spikes sp WHERE sp.instance = a.instance AND a.domain IS NULL
               AND a.created_at >= sp.start_minute AND a.created_at < sp.end_minute)
       OR EXISTS (SELECT 1 FROM remote_bursts b WHERE b.server = lower(a.domain)
               AND r.first_seen BETWEEN b.start_at AND b.end_at) AS in_spike,
       lower(a.domain) AS server, a.acct, r.first_seen, r.quick_start,
       -- When the account appeared: its sign-up here, or when this server first saw it.
       CASE WHEN a.domain IS NULL THEN a.created_at ELSE coalesce(r.first_seen, a.created_at) END AS seen_at, coalesce(ns.random_looking, false) AS random_name,
       coalesce(st.statuses, 0) AS statuses, coalesce(st.direct, 0) AS direct_mentions
FROM campaign_members cm
JOIN accounts a ON a.instance = cm.instance AND a.account_id = cm.account_id
LEFT JOIN apps p ON p.instance = a.instance AND p.app_id = a.created_by_application_id
LEFT JOIN remote_accounts r ON r.instance = a.instance AND r.account_id = a.account_id
LEFT JOIN name_shapes ns ON ns.instance = a.instance AND ns.account_id = a.account_id
LEFT JOIN (SELECT instance, account_id, count(*) AS statuses, count(*) FILTER (WHERE visibility = 'direct') AS direct
           FROM statuses GROUP BY ALL) st ON st.instance = a.instance AND st.account_id = a.account_id;

INSERT INTO campaign_accounts BY NAME
WITH ev AS (
  SELECT m.campaign_id, m.acct_key, a.kind, count(*) AS n, max(a.weight) AS max_w
  FROM member_stats m
  JOIN evidence e ON e.acct_key = m.acct_key
  JOIN campaign_evidence a ON a.campaign_id = m.campaign_id AND a.kind = e.kind AND a.value = e.value
  GROUP BY m.campaign_id, m.acct_key, a.kind
), evs AS (
  SELECT campaign_id, acct_key,
         string_agg(kind || CASE WHEN n > 1 THEN ' x' || n ELSE '' END, ', ' ORDER BY max_w DESC, kind) AS evidence
  FROM ev GROUP BY campaign_id, acct_key
)
SELECT m.campaign_id, m.instance, m.account_id, m.username, m.email, m.sign_up_ip, m.created_at, m.app_name AS app,
       m.statuses, m.direct_mentions, evs.evidence
FROM member_stats m LEFT JOIN evs USING (campaign_id, acct_key)
ORDER BY m.campaign_id, m.instance, m.created_at, m.account_id;

CREATE OR REPLACE TEMP TABLE campaign_domains AS
SELECT DISTINCT cm.campaign_id, r.domain
FROM campaign_members cm
JOIN domain_refs r ON r.instance = cm.instance AND r.account_id = cm.account_id AND r.source IN ('status', 'card', 'note', 'field')
JOIN domains d ON d.domain = r.domain AND d.promoted
WHERE r.domain NOT IN (SELECT domain FROM list_popular_domains);

-- The networks of each campaign's addresses, from ip_info (empty without
-- --ipdb). A network is never evidence that links accounts: millions
-- share a consumer ISP's. It describes a campaign once linked: one
-- operator whose accounts come from addresses used by one or two accounts
-- each, across many home networks, rents a residential proxy pool.
CREATE OR REPLACE TEMP TABLE ip_accounts AS
SELECT ip, count(DISTINCT (instance, account_id)) AS accounts
FROM ip_history WHERE account_id IS NOT NULL AND ip IS NOT NULL GROUP BY ip;

CREATE OR REPLACE TEMP TABLE campaign_ips AS
SELECT DISTINCT cm.campaign_id, h.ip
FROM campaign_members cm JOIN ip_history h ON h.instance = cm.instance AND h.account_id = cm.account_id
WHERE h.ip IS NOT NULL;

INSERT INTO campaign_networks BY NAME
SELECT cm.campaign_id, i.asn, min(i.as_org) AS as_org,
       string_agg(DISTINCT i.country, ' ' ORDER BY i.country) AS countries,
       count(DISTINCT h.ip) AS addresses, count(DISTINCT (cm.instance, cm.account_id)) AS accounts,
       count(DISTINCT h.ip) FILTER (WHERE i.hosting) AS hosting_addresses
FROM campaign_members cm
JOIN ip_history h ON h.instance = cm.instance AND h.account_id = cm.account_id
JOIN ip_info i ON i.ip = h.ip
WHERE i.asn IS NOT NULL
GROUP BY cm.campaign_id, i.asn
ORDER BY cm.campaign_id, addresses DESC, i.asn;

CREATE OR REPLACE TEMP TABLE campaign_net AS
WITH n AS (
  SELECT ci.campaign_id, count(*) AS ips,
         count(i.source) AS known_ips,
         count(DISTINCT i.asn) AS asns,
         count(DISTINCT i.country) AS countries,
         count(*) FILTER (WHERE i.hosting) AS hosting_ips,
         count(*) FILTER (WHERE NOT i.hosting AND i.asn IS NOT NULL) AS residential_ips,
         count(DISTINCT i.asn) FILTER (WHERE NOT i.hosting) AS residential_asns,
         count(*) FILTER (WHERE ia.accounts <= 2) AS few_ips
  FROM campaign_ips ci LEFT JOIN ip_info i USING (ip) LEFT JOIN ip_accounts ia USING (ip)
  GROUP BY ci.campaign_id
), top AS (
  SELECT campaign_id, string_agg('AS' || asn || coalesce(' ' || as_org, '') || ' ' || addresses, ', ' ORDER BY rk) AS top_networks
  FROM (SELECT *, row_number() OVER (PARTITION BY campaign_id ORDER BY addresses DESC, asn) AS rk FROM campaign_networks)
  WHERE rk <= 3 GROUP BY campaign_id
)
SELECT n.campaign_id, n.known_ips,
       CASE WHEN n.known_ips > 0 THEN n.asns END AS asns,
       CASE WHEN n.known_ips > 0 THEN n.countries END AS countries,
       t.top_networks,
       CASE WHEN n.known_ips > 0 THEN round(n.hosting_ips / n.known_ips, 3) END AS hosting_share,
       -- The proxy-pool signature: addresses used by one or two accounts
       -- each, mostly on home networks, across five or more of them.
       CASE WHEN n.known_ips > 0 THEN
         (SELECT count(*) FROM campaign_members m WHERE m.campaign_id = n.campaign_id) >= 5
         AND n.known_ips >= 5 AND n.few_ips >= 0.8 * n.ips
         AND n.residential_ips >= 0.5 * n.known_ips AND n.residential_asns >= 5 END AS proxy_pool
FROM n LEFT JOIN top t USING (campaign_id);

INSERT INTO campaigns BY NAME
WITH base AS (
  SELECT campaign_id, count(*) AS accounts, count(server) AS remote_accounts,
         string_agg(DISTINCT instance, ' ' ORDER BY instance) AS instances,
         min(seen_at) AS signup_first, max(seen_at) AS signup_last,
         count(*) FILTER (WHERE in_spike) / count(*) AS burst_share,
         (SELECT count(DISTINCT h.ip) FROM ip_history h JOIN member_stats x ON x.instance = h.instance AND x.account_id = h.account_id
          WHERE x.campaign_id = member_stats.campaign_id) AS distinct_ips,
         (SELECT count(DISTINCT ip_prefix(h.ip)) FROM ip_history h JOIN member_stats x ON x.instance = h.instance AND x.account_id = h.account_id
          WHERE x.campaign_id = member_stats.campaign_id) AS distinct_prefixes,
         sum(statuses) AS statuses, sum(direct_mentions) AS direct_mentions,
         count(DISTINCT server) AS source_servers,
         count(*) FILTER (WHERE random_name) / count(*) AS random_name_share,
         coalesce(count(*) FILTER (WHERE quick_start) / nullif(count(quick_start), 0), 0) AS quick_start_share
  FROM member_stats GROUP BY campaign_id
), servers_ AS (
  SELECT campaign_id, string_agg(server || ' ' || n, ', ' ORDER BY n DESC, server) FILTER (WHERE rk <= 5)
           || CASE WHEN count(*) > 5 THEN ' (+' || (count(*) - 5) || ')' ELSE '' END AS top_servers
  FROM (SELECT campaign_id, server, count(*) AS n, row_number() OVER (PARTITION BY campaign_id ORDER BY count(*) DESC, server) AS rk
        FROM member_stats WHERE server IS NOT NULL GROUP BY campaign_id, server)
  GROUP BY campaign_id
), peak AS (
  SELECT campaign_id, max(n) AS peak_per_minute FROM (
    SELECT campaign_id, date_trunc('minute', seen_at) AS m, count(*) AS n FROM member_stats GROUP BY ALL) GROUP BY campaign_id
), apps_ AS (
  SELECT campaign_id, string_agg(app_name || ' ' || n, ', ' ORDER BY n DESC, app_name) AS apps, max(n) AS top_app_n FROM (
    SELECT campaign_id, app_name, count(*) AS n FROM member_stats WHERE app_name IS NOT NULL
    AND (instance || '#' || app_id) IN (SELECT value FROM attributes WHERE kind = 'app' AND suppressed IS NULL)
    GROUP BY ALL) GROUP BY campaign_id
), mail AS (
  SELECT campaign_id, string_agg(email_domain || ' ' || n, ', ' ORDER BY n DESC, email_domain) FILTER (WHERE rk <= 3) AS email_domains FROM (
    SELECT campaign_id, email_domain, count(*) AS n, row_number() OVER (PARTITION BY campaign_id ORDER BY count(*) DESC, email_domain) AS rk
    FROM member_stats WHERE email_domain IS NOT NULL GROUP BY campaign_id, email_domain) GROUP BY campaign_id
), dom AS (
  SELECT cd.campaign_id, count(*) AS promoted_domains,
         string_agg(cd.domain, ' ' ORDER BY d.statuses DESC, cd.domain) AS domains,
         count(*) FILTER (WHERE w.created IS NOT NULL AND w.created >= d.first_seen - INTERVAL 180 DAY) / count(*) AS young_share
  FROM campaign_domains cd JOIN domains d USING (domain)
  LEFT JOIN (SELECT domain, min(created) AS created FROM whois GROUP BY domain) w USING (domain)
  GROUP BY cd.campaign_id
), reg AS (
  SELECT cd.campaign_id, string_agg(DISTINCT v.value, ' ' ORDER BY v.value) AS registrants
  FROM campaign_domains cd JOIN registrant_values v USING (domain)
  WHERE v.value LIKE 'email:%' OR v.value LIKE 'org:%'
  GROUP BY cd.campaign_id
), recip AS (
  SELECT cm.campaign_id, count(DISTINCT mn.instance || '/' || mn.account_id) AS recipients
  FROM campaign_members cm
  JOIN statuses s ON s.instance = cm.instance AND s.account_id = cm.account_id AND s.visibility = 'direct'
  JOIN mentions mn ON mn.instance = s.instance AND mn.status_id = s.status_id
  GROUP BY cm.campaign_id
), txt AS (
  SELECT cm.campaign_id, count(DISTINCT t.status_id) AS clustered_statuses
  FROM campaign_members cm JOIN text_clusters t ON t.acct_key = cm.acct_key GROUP BY cm.campaign_id
), fan AS (
  -- Fan-out: posts that mention local accounts which do not follow the
  -- author. Without any follows of an instance in the dump, whether they
  -- follow is unknown: then only remote authors' mentions count (a remote
  -- account mentioning this server's people), never local conversation.
  SELECT campaign_id,
         -- Fan-out reaches many: under five people, it is conversation.
         CASE WHEN count(DISTINCT target) FILTER (WHERE unsolicited) >= 5
              THEN count(DISTINCT status_id) FILTER (WHERE unsolicited) ELSE 0 END AS fanout_statuses,
         count(DISTINCT target) AS mentioned_local, count(DISTINCT target) FILTER (WHERE unsolicited) AS unsolicited_local
  FROM (
    SELECT cm.campaign_id, s.status_id, mn.account_id AS target,
           NOT EXISTS (SELECT 1 FROM follows f WHERE f.instance = mn.instance AND f.account_id = mn.account_id
                       AND f.target_account_id = cm.account_id)
           AND (a.domain IS NOT NULL OR EXISTS (SELECT 1 FROM follows f WHERE f.instance = mn.instance)) AS unsolicited
    FROM campaign_members cm
    JOIN accounts a ON a.instance = cm.instance AND a.account_id = cm.account_id
    JOIN statuses s ON s.instance = cm.instance AND s.account_id = cm.account_id
    JOIN mentions mn ON mn.instance = s.instance AND mn.status_id = s.status_id
    JOIN accounts t ON t.instance = mn.instance AND t.account_id = mn.account_id AND t.domain IS NULL
  )
  GROUP BY campaign_id
), med AS (
  -- The largest group of a campaign's accounts that posted one image.
  SELECT campaign_id, max(accounts) AS media_accounts FROM campaign_evidence WHERE kind = 'media' GROUP BY campaign_id
), scored AS (
  SELECT b.*, p.peak_per_minute, ap.apps, m.email_domains, coalesce(d.promoted_domains, 0) AS promoted_domains, d.domains,
         r.registrants, coalesce(rc.recipients, 0) AS recipients, sv.top_servers,
         coalesce(fo.mentioned_local, 0) AS mentioned_local, coalesce(fo.unsolicited_local, 0) AS unsolicited_local,
         round(CASE WHEN b.statuses > 0 THEN b.direct_mentions / b.statuses ELSE 0 END, 3) AS direct_share,
         round(CASE WHEN b.statuses > 0 THEN coalesce(fo.fanout_statuses, 0) / b.statuses ELSE 0 END, 3) AS fanout_share,
         round(CASE WHEN b.statuses > 0 THEN coalesce(t.clustered_statuses, 0) / b.statuses ELSE 0 END, 3) AS text_share,
         round(coalesce(ap.top_app_n, 0) / b.accounts, 3) AS app_share,
         round(coalesce(md.media_accounts, 0) / b.accounts, 3) AS media_share,
         round(coalesce(d.young_share, 0), 3) AS young_domain_share
  FROM base b
  LEFT JOIN peak p USING (campaign_id) LEFT JOIN apps_ ap USING (campaign_id) LEFT JOIN mail m USING (campaign_id)
  LEFT JOIN dom d USING (campaign_id) LEFT JOIN reg r USING (campaign_id) LEFT JOIN recip rc USING (campaign_id)
  LEFT JOIN txt t USING (campaign_id) LEFT JOIN servers_ sv USING (campaign_id) LEFT JOIN fan fo USING (campaign_id)
  LEFT JOIN med md USING (campaign_id)
), netted AS (
  SELECT s.*, cn.known_ips, cn.asns, cn.countries, cn.top_networks, cn.hosting_share, cn.proxy_pool,
         -- Abuse signals (0.75) and size (0.25: 64 accounts or more count
         -- whole, two accounts a sixth): a big group that behaves like
         -- spam ranks first, a pair of ordinary accounts last. Remote
         -- accounts count as local ones do: a burst of first sightings is
         -- a burst, unsolicited public mentions are fan-out as private ones
         -- are, one image posted by many is as telling as one app.
         0.2 * burst_share + 0.2 * greatest(direct_share, fanout_share) + 0.15 * text_share
           + 0.1 * greatest(app_share, media_share) + 0.1 * young_domain_share
           + 0.25 * least(1.0, log2(accounts) / 6) AS base_score
  FROM scored s LEFT JOIN campaign_net cn USING (campaign_id)
)
SELECT campaign_id,
       -- A proxy-pool signature (known only with --ipdb) closes a tenth of
       -- the gap to 1.
       round(base_score + CASE WHEN proxy_pool THEN 0.1 * (1 - base_score) ELSE 0 END, 3) AS score,
       accounts, instances, source_servers, top_servers, signup_first, signup_last, peak_per_minute, round(burst_share, 3) AS burst_share,
       apps, email_domains, distinct_ips, distinct_prefixes, asns, countries, top_networks, hosting_share, proxy_pool,
       promoted_domains, domains, registrants,
       statuses, direct_mentions, direct_share, recipients, mentioned_local, unsolicited_local, fanout_share, text_share, app_share, media_share,
       young_domain_share, round(random_name_share, 3) AS random_name_share, round(quick_start_share, 3) AS quick_start_share,
       accounts || CASE WHEN source_servers = 0 THEN ' accounts on ' || instances
                        WHEN remote_accounts = accounts THEN ' remote accounts from ' || source_servers || ' servers (' || top_servers || ') seen on ' || instances
                        ELSE ' accounts on ' || instances || ' and ' || source_servers || ' other servers (' || top_servers || ')' END
         || CASE WHEN remote_accounts = accounts THEN ', first seen ' ELSE ', signed up ' END
         || strftime(signup_first, '%Y-%m-%d %H:%M') || ' to ' || strftime(signup_last, '%Y-%m-%d %H:%M')
         || CASE WHEN burst_share >= 0.5 AND remote_accounts = accounts THEN ' in bursts'
                 WHEN burst_share >= 0.5 THEN ' in a burst (peak ' || peak_per_minute || '/min)' ELSE '' END
         || CASE WHEN random_name_share >= 0.5 THEN '; ' || CAST(round(100 * random_name_share) AS INTEGER) || '% random-looking usernames' ELSE '' END
         || coalesce(' via ' || apps, '')
         || coalesce('; emails ' || email_domains, '')
         || CASE WHEN remote_accounts < accounts THEN '; ' || distinct_ips || ' IPs' ELSE '' END
         || CASE WHEN known_ips > 0 THEN ' across ' || asns || CASE WHEN asns = 1 THEN ' AS' ELSE ' ASes' END
              || CASE WHEN countries > 0 THEN ' in ' || countries || CASE WHEN countries = 1 THEN ' country' ELSE ' countries' END ELSE '' END
              || coalesce(' (' || top_networks || ')', '') || ', ' || CAST(round(100 * hosting_share) AS INTEGER) || '% hosting'
              || CASE WHEN proxy_pool THEN '; one or two accounts per address across many residential networks (a proxy pool)' ELSE '' END
            ELSE '' END
         || CASE WHEN direct_mentions > 0 THEN '; ' || direct_mentions || ' private mentions to ' || recipients || ' accounts' ELSE '' END
         || CASE WHEN fanout_share >= 0.2 AND direct_share < fanout_share THEN '; ' || CAST(round(100 * fanout_share) AS INTEGER) || '% of its posts mention local accounts that do not follow it (' || unsolicited_local || ' of ' || mentioned_local || ' mentioned)' ELSE '' END
         || CASE WHEN media_share >= 0.5 THEN '; one image posted by ' || CAST(round(100 * media_share) AS INTEGER) || '% of its accounts' ELSE '' END
         || CASE WHEN promoted_domains > 0 THEN '; promoting ' || array_to_string(string_split(domains, ' ')[1:3], ', ')
              || CASE WHEN promoted_domains > 3 THEN ' (+' || (promoted_domains - 3) || ')' ELSE '' END ELSE '' END
         || coalesce('; registrants ' || registrants, '') AS summary
FROM netted
ORDER BY score DESC, accounts DESC, campaign_id;

-- What users and moderators already did about each campaign's accounts:
-- the reports users filed against them, by how many reporters, and how
-- many of them the moderators already acted on (suspended, silenced, a
-- warning or strike, or an admin action on the account).
INSERT INTO campaign_moderation BY NAME
WITH reported AS (
  SELECT cm.campaign_id, count(*) AS user_reports, count(DISTINCT (r.instance, r.account_id)) AS reporters
  FROM campaign_members cm JOIN user_reports r ON r.instance = cm.instance AND r.target_account_id = cm.account_id
  GROUP BY cm.campaign_id
), actioned AS (
  SELECT cm.campaign_id, count(*) AS already_actioned
  FROM campaign_members cm JOIN accounts a ON a.instance = cm.instance AND a.account_id = cm.account_id
  WHERE a.suspended OR a.silenced
     OR EXISTS (SELECT 1 FROM account_warnings w WHERE w.instance = cm.instance AND w.target_account_id = cm.account_id)
     OR EXISTS (SELECT 1 FROM admin_action_logs l WHERE l.instance = cm.instance AND l.target_type = 'Account' AND l.target_id = cm.account_id)
  GROUP BY cm.campaign_id
)
SELECT c.campaign_id, coalesce(r.user_reports, 0) AS user_reports, coalesce(r.reporters, 0) AS reporters,
       coalesce(x.already_actioned, 0) AS already_actioned
FROM campaigns c
LEFT JOIN reported r USING (campaign_id)
LEFT JOIN actioned x USING (campaign_id)
ORDER BY c.campaign_id;
