package link

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"

	"fediforensics/pipeline/schema"
	"fediforensics/pipeline/store"
)

// nameShape says how random a username looks, 0 (a word, a name) to 1 (a
// string of random letters and digits), and why. It is a profile of
// character classes, not a rule: names of fewer than minShapeLetters
// letters say too little and score 0, and no single trait makes a name
// random. The traits, each 0 to 1:
//
//   - uncommon letter pairs: the share of adjacent letters that are not
//     among the common pairs of English and the Latin-script languages
//     (random letters: about 0.75; names and words: about 0.3);
//   - few vowels: a, e, i, o, u, y make about 40% of the letters of words
//     and names, 23% of random letters;
//   - a run of consonants: four or more in a row is rare in words;
//   - letters and digits mixed: more than one switch between them (name1987
//     has one; k3v9x2 has five).
//
// The score is their weighted mean; 0.6 or more is "random-looking".
func (ns *nameShaper) shape(username string) (score float64, why string) {
	s := strings.ToLower(username)
	letters, switches, run, longestRun, vowels := 0, 0, 0, 0, 0
	pairs, uncommon := 0, 0
	var prev rune
	prevClass := 0 // 0 none, 1 letter, 2 digit
	for _, r := range s {
		class := 0
		switch {
		case r >= 'a' && r <= 'z':
			class = 1
			letters++
			if strings.ContainsRune("aeiouy", r) {
				vowels++
				run = 0
			} else {
				run++
				longestRun = max(longestRun, run)
			}
			if prevClass == 1 {
				pairs++
				if !ns.common[(prev-'a')*26+(r-'a')] {
					uncommon++
				}
			}
		case r >= '0' && r <= '9':
			class = 2
			run = 0
		default:
			run = 0 // an underscore or dot separates words
		}
		if class != 0 && prevClass != 0 && class != prevClass {
			switches++
		}
		prev, prevClass = r, class
	}
	if letters < minShapeLetters || pairs == 0 {
		return 0, ""
	}
	pairShare := float64(uncommon) / float64(pairs)
	vowelShare := float64(vowels) / float64(letters)
	traits := []struct {
		weight, value float64
		text          string
	}{
		{0.45, clamp01((pairShare - 0.3) / 0.4), fmt.Sprintf("%.0f%% uncommon letter pairs", 100*pairShare)},
		{0.25, clamp01((0.36 - vowelShare) / 0.13), fmt.Sprintf("%.0f%% vowels", 100*vowelShare)},
		{0.15, clamp01(float64(longestRun-2) / 2), fmt.Sprintf("%d consonants in a row", longestRun)},
		{0.15, clamp01(float64(switches-1) / 3), fmt.Sprintf("%d letter/digit switches", switches)},
	}
	var parts []string
	for _, t := range traits {
		score += t.weight * t.value
		if t.value >= 0.5 {
			parts = append(parts, t.text)
		}
	}
	return math.Round(score*1000) / 1000, strings.Join(parts, ", ")
}

// minShapeLetters is the fewest letters a name needs to be judged.
const minShapeLetters = 6

// randomNameScore is the score from which a name looks random.
const randomNameScore = 0.6

func clamp01(x float64) float64 { return min(1, max(0, x)) }

// commonPairs are the frequent letter pairs of English, with the frequent
// ones of the other Latin-script languages of the fediverse (German,
// French, Spanish, Dutch, Portuguese, Italian), from published bigram
// frequency tables: together they cover most pairs of real words and names.
const commonPairs = "th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou io le ve co me de hi ri ro ic ne ea ra ce li ch ll be ma si om ur " +
	"ca el ta la ns di fo ho pe ec pr no ct us ac ot il tr ly nc et ut ss so rs un lo wa ge ie wh ee wi em ad ol rt po we na ul ni ts mo ow pa im mi ai sh ir su id os iv ia am fi ci vi pl ig tu ev ld ry mp fe bl ab gh ty op wo sa ay ex ke fr oo av ag if ap gr od bo sp rd do uc bu ei ov by rm ep tt oc fa ef cu rn sc gi da yo cr cl du ga qu ue ff ba ey ls va um pp ua up lu go ht ru ug ds lt pi rc rr eg au ck ew mu br bi pt ak pu ui rg ib tl ny ki rk ys ob mm fu ph og ms ye ud mb ip ub oi rl gu dr hr cc tw ft wn nu af hu nn eo vo rv nf xp gn sm fl iz ok nl my gl aw sy oa " +
	"ei ie ch sc ck er en de un ge au eu ue nd ns st es le la ou qu ai oi eu ez ll ue ao ij oe aa ee uu"

// nameShaper judges usernames; its table is commonPairs.
type nameShaper struct {
	common [26 * 26]bool
}

func newNameShaper() *nameShaper {
	ns := &nameShaper{}
	for _, p := range strings.Fields(commonPairs) {
		ns.common[(rune(p[0])-'a')*26+(rune(p[1])-'a')] = true
	}
	return ns
}

// nameShapes scores the username of every account into name_shapes.
func nameShapes(ctx context.Context, db *sql.DB) error {
	if err := schema.Create(ctx, db, schema.NameShapes); err != nil {
		return err
	}
	conn, err := db.Conn(ctx) // written through while the accounts are read through another
	if err != nil {
		return err
	}
	defer conn.Close()
	ns := newNameShaper()
	return store.InsertAll(ctx, conn, string(schema.NameShapes), func(add func(...any) error) error {
		return store.Each(ctx, db, "usernames", `SELECT instance, account_id, username FROM accounts WHERE username IS NOT NULL ORDER BY instance, account_id`, nil, func(r *sql.Rows) error {
			var inst, name string
			var id int64
			if err := r.Scan(&inst, &id, &name); err != nil {
				return err
			}
			score, why := ns.shape(name)
			return add(inst, id, score, score >= randomNameScore, why)
		})
	}, "instance", "account_id", "randomness", "random_looking", "why")
}
