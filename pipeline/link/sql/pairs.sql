-- Step "pairs" of clustering: the strong components (strong_comp, written by
-- the Go side: accounts that share an identity) are the units that weak
-- values join. Weak values join units only in combination: two units are
-- linked when the values they share, one per family of kinds (the
-- heaviest: see weights), add up to the threshold.
--
-- How much a weak value says depends on how specific it is in this dump,
-- in the spirit of Fellegi-Sunter record linkage with term-frequency
-- adjustment: a value held by n of the N units carries log2(N / n) bits
-- (how unlikely two units are to share it by chance); full_bits of them
-- give the kind's full weight, and chance_share of full_bits or fewer give
-- nothing: in a dump of N units some pairs of units share a common value
-- by chance, and the more units the more pairs, so a value must be rarer
-- than that background before it says anything about a pair. Between the
-- two the weight rises linearly. A domain promoted by 3 of 100,000
-- accounts keeps its full weight; one that 11,000 link to (3.2 bits of
-- 14.6) weighs nothing. Near-duplicate text is weighed by the length of the messages
-- too: full_words words of template (what is left once mentions, URLs and
-- numbers go) give full weight, a six-word greeting 0.6 of it.
--
-- Nothing here is quadratic in the number of units a value has, and no
-- value is dropped for being large:
--   * a value held by at most pair_cap units makes every pair of them a
--     candidate; each candidate's weight is then taken over every weak
--     value the two share, of any size;
--   * a larger value makes no pairs: with a value of another family it
--     forms a key, and the units that hold both values of a key are joined
--     in a ring (a chain closed on itself: as many links as units, none of
--     them a bridge, like the clique of pairs it stands for) when the key
--     weighs enough. A key weighs its two values' weights; but when far
--     more units hold both values than would by chance (at least min_key
--     units, lift_min times the n1 * n2 / N expected of independent
--     values, and a count whose chance, Chernoff's bound on a Poisson
--     tail, is under key_alpha divided by the number of keys tested: a
--     dump of a million accounts tests tens of thousands of keys, and a
--     one-in-a-thousand coincidence then happens dozens of times), and
--     its messages, if it has text, are long enough to weigh whole
--     (full_words words), the co-occurrence is no chance agreement and
--     the key weighs the two kinds' full weights: this is how a
--     campaign of thousands held
--     together by its domains and its messages stays whole, while a
--     popular site and a common greeting, shared by as many, do not join.
-- A combination of three or more values that needs a large value and
-- reaches the threshold only with all of them is not looked for; link_stats
-- counts the large values.
CREATE OR REPLACE TEMP TABLE weak0 AS
SELECT DISTINCT a.attr_key, a.kind, w.family, a.base_weight AS base, c.comp
FROM evidence e
JOIN attributes a USING (kind, value)
JOIN weights w USING (kind)
JOIN strong_comp c USING (acct_key)
WHERE a.suppressed IS NULL AND a.base_weight < (SELECT threshold FROM link_settings);

CREATE OR REPLACE TEMP TABLE units AS SELECT count(DISTINCT comp)::DOUBLE AS n FROM strong_comp;

CREATE OR REPLACE TEMP TABLE reweighed AS
WITH n AS (SELECT attr_key, count(*) AS comps FROM weak0 GROUP BY attr_key),
scale AS ( -- one row: the bits that give full weight in this dump, and the bits that give none
  SELECT u.n AS population, f.full_bits, s.chance_share * f.full_bits AS chance_bits, s.full_words
  FROM units u CROSS JOIN link_settings s
  CROSS JOIN LATERAL (SELECT greatest(s.full_bits, log2(u.n) - s.bits_margin) AS full_bits) f
),
b AS (
  SELECT n.attr_key, n.comps, sc.population, log2(sc.population / n.comps) AS bits, sc.full_bits, sc.chance_bits, sc.full_words
  FROM n CROSS JOIN scale sc
)
SELECT b.*, greatest(0.0, least(1.0, (b.bits - b.chance_bits) / (b.full_bits - b.chance_bits))) AS specificity,
       CASE WHEN a.kind = 'text' THEN least(1.0, coalesce(tg.words, b.full_words) / b.full_words) ELSE 1.0 END AS length_factor,
       tg.words
FROM b JOIN attributes a USING (attr_key)
LEFT JOIN text_groups tg ON a.kind = 'text' AND tg.value = a.value;

UPDATE attributes SET
  groups = r.comps,
  specificity = round(r.specificity, 3),
  length_factor = round(r.length_factor, 3),
  weight = round(attributes.base_weight * r.specificity * r.length_factor, 3),
  why = attributes.kind || ' held by ' || r.comps || ' of ' || r.population::BIGINT || ' groups (' || attributes.accounts || ' accounts): '
        || printf('%.1f', r.bits) || ' bits, ' || printf('%.1f', r.chance_bits) || ' or fewer weigh nothing, '
        || printf('%.1f', r.full_bits::DOUBLE) || ' give full weight'
        || CASE WHEN attributes.kind = 'text' THEN '; messages of ' || coalesce(r.words, 0) || ' words, ' || r.full_words || ' give full weight' ELSE '' END
        || ': ' || printf('%g', attributes.base_weight::DOUBLE)
        || CASE WHEN r.specificity < 1.0 THEN ' x ' || printf('%.2f', r.specificity) ELSE '' END
        || CASE WHEN r.length_factor < 1.0 THEN ' x ' || printf('%.2f', r.length_factor) ELSE '' END
        || ' = ' || printf('%g', round(attributes.base_weight * r.specificity * r.length_factor, 3)::DOUBLE)
FROM reweighed r
WHERE attributes.attr_key = r.attr_key;

-- Values held by two or more units: only they can link anything.
CREATE OR REPLACE TEMP TABLE wide AS
SELECT w.attr_key, w.kind, w.family, w.base, a.weight, w.comp, r.comps
FROM weak0 w JOIN reweighed r USING (attr_key) JOIN attributes a USING (attr_key)
WHERE r.comps >= 2;

CREATE OR REPLACE TEMP TABLE cand AS
SELECT DISTINCT x.comp AS a, y.comp AS b
FROM wide x JOIN wide y ON y.attr_key = x.attr_key AND x.comp < y.comp
WHERE x.comps <= (SELECT pair_cap FROM link_settings);

CREATE OR REPLACE TEMP TABLE cand_attrs AS
SELECT c.a, c.b, x.attr_key, x.family, x.weight
FROM cand c
JOIN wide x ON x.comp = c.a
JOIN wide y ON y.comp = c.b AND y.attr_key = x.attr_key
WHERE x.weight > 0;

-- Keys of two values of different families, with the units that hold both
-- (those whose full weights could reach the threshold at all).
CREATE OR REPLACE TEMP TABLE key_members AS
SELECT x.attr_key AS k1, y.attr_key AS k2, x.comp
FROM wide x JOIN wide y ON y.comp = x.comp AND y.family <> x.family AND x.attr_key < y.attr_key
WHERE x.base + y.base >= (SELECT threshold FROM link_settings);

INSERT INTO link_keys BY NAME
WITH k AS (SELECT k1, k2, count(*) AS groups FROM key_members GROUP BY k1, k2 HAVING count(*) >= 2),
stats AS (
  SELECT k.k1, k.k2, k.groups,
         x.groups::DOUBLE * y.groups / u.n AS expected,
         x.kind AS kind1, x.value AS value1, y.kind AS kind2, y.value AS value2,
         x.weight + y.weight AS chance_weight,
         x.base_weight * x.length_factor + y.base_weight * y.length_factor AS full_weight,
         x.length_factor = 1.0 AND y.length_factor = 1.0 AS long_enough
  FROM k
  JOIN attributes x ON x.attr_key = k.k1
  JOIN attributes y ON y.attr_key = k.k2
  CROSS JOIN units u
),
tested AS (
  SELECT st.*,
         -- Chernoff's bound on the chance of so many units or more, for a
         -- Poisson count of mean expected: exp(-mu) (e mu / k)^k.
         CASE WHEN st.groups > st.expected
              THEN (st.groups - st.expected - st.groups * ln(st.groups / st.expected)) / ln(10)
              ELSE 0.0 END AS log10_p,
         log10(s.key_alpha / (SELECT count(*) FROM k)) AS log10_p_max
  FROM stats st CROSS JOIN link_settings s
),
judged AS (
  SELECT t.*, t.long_enough AND t.groups >= s.min_key AND t.groups >= s.lift_min * t.expected
              AND t.log10_p <= t.log10_p_max AS not_chance
  FROM tested t CROSS JOIN link_settings s
)
SELECT j.* EXCLUDE (log10_p, log10_p_max), round(j.groups / j.expected, 2) AS lift,
       round(j.log10_p, 1) AS log10_p, round(j.log10_p_max, 1) AS log10_p_max,
       round(CASE WHEN j.not_chance THEN j.full_weight ELSE j.chance_weight END, 3) AS weight
FROM judged j;

CREATE OR REPLACE TEMP TABLE key_rings AS
WITH k AS (
  SELECT m.k1, m.k2, m.comp,
         lead(m.comp) OVER (PARTITION BY m.k1, m.k2 ORDER BY m.comp) AS next,
         min(m.comp) OVER (PARTITION BY m.k1, m.k2) AS first,
         count(*) OVER (PARTITION BY m.k1, m.k2) AS n
  FROM key_members m
  WHERE (m.k1, m.k2) IN (SELECT (k1, k2) FROM link_keys WHERE weight >= (SELECT threshold FROM link_settings))
)
SELECT k1, k2, least(comp, coalesce(next, first)) AS a, greatest(comp, coalesce(next, first)) AS b
FROM k
WHERE n >= 2 AND (next IS NOT NULL OR n >= 3);

CREATE OR REPLACE TEMP TABLE pair_attrs AS
SELECT DISTINCT * FROM (
  SELECT a, b, attr_key, family, weight FROM cand_attrs
  UNION ALL
  SELECT r.a, r.b, t.attr_key, w.family, CASE WHEN l.not_chance THEN t.base_weight * t.length_factor ELSE t.weight END
  FROM key_rings r JOIN link_keys l USING (k1, k2) JOIN attributes t ON t.attr_key = r.k1 JOIN weights w USING (kind)
  UNION ALL
  SELECT r.a, r.b, t.attr_key, w.family, CASE WHEN l.not_chance THEN t.base_weight * t.length_factor ELSE t.weight END
  FROM key_rings r JOIN link_keys l USING (k1, k2) JOIN attributes t ON t.attr_key = r.k2 JOIN weights w USING (kind)
);

CREATE OR REPLACE TEMP TABLE pair_links AS
SELECT a, b, round(sum(w), 3) AS weight
FROM (SELECT a, b, family, max(weight) AS w FROM pair_attrs GROUP BY a, b, family)
GROUP BY a, b
HAVING round(sum(w), 3) >= (SELECT threshold FROM link_settings);

-- What the step did, for the run's summary.
INSERT INTO link_stats BY NAME
SELECT (SELECT count(DISTINCT attr_key) FROM wide WHERE comps > (SELECT pair_cap FROM link_settings)) AS large_values,
       (SELECT count(*) FROM link_keys WHERE weight >= (SELECT threshold FROM link_settings)) AS keys_linking,
       (SELECT count(*) FROM link_keys WHERE not_chance) AS keys_not_chance,
       (SELECT count(*) FROM cand) AS candidate_pairs,
       (SELECT count(*) FROM pair_links) AS links;
