-- Step "pairs" of clustering: the strong components (strong_comp, written by
-- the Go side) that weak values join. Weak values join groups only in
-- combination: candidate pairs come from values shared by few groups (at
-- most pair_cap); each candidate's weight is then taken over every weak
-- value the two share, of any size, with values of one kind counting once
-- (the heaviest) and kinds adding up.
CREATE OR REPLACE TEMP TABLE weak AS
SELECT DISTINCT a.attr_key, a.kind, a.weight::DOUBLE AS weight, c.comp
FROM evidence e
JOIN attributes a USING (kind, value)
JOIN strong_comp c USING (acct_key)
WHERE a.suppressed IS NULL AND a.weight < (SELECT threshold FROM link_settings);

CREATE OR REPLACE TEMP TABLE cand AS
SELECT DISTINCT x.comp AS a, y.comp AS b
FROM weak x JOIN weak y ON y.attr_key = x.attr_key AND x.comp < y.comp
WHERE x.attr_key IN (SELECT attr_key FROM weak GROUP BY attr_key
                     HAVING count(*) BETWEEN 2 AND (SELECT pair_cap FROM link_settings));

CREATE OR REPLACE TEMP TABLE pair_attrs AS
SELECT c.a, c.b, x.attr_key, x.kind, x.weight
FROM cand c
JOIN weak x ON x.comp = c.a
JOIN weak y ON y.comp = c.b AND y.attr_key = x.attr_key;

CREATE OR REPLACE TEMP TABLE pair_links AS
SELECT a, b, round(sum(w), 3) AS weight
FROM (SELECT a, b, kind, max(weight) AS w FROM pair_attrs GROUP BY a, b, kind)
GROUP BY a, b
HAVING round(sum(w), 3) >= (SELECT threshold FROM link_settings);
