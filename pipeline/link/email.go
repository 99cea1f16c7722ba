package link

import (
	"sort"
	"strings"
	"unicode"
)

// providerFamily groups sibling providers: one company's domains.
func providerFamily(domain string) string {
	switch {
	case domain == "gmail.com" || domain == "googlemail.com":
		return "google"
	case domain == "outlook.com" || strings.HasPrefix(domain, "hotmail.") || strings.HasPrefix(domain, "live.") || domain == "msn.com" || strings.HasPrefix(domain, "outlook."):
		return "microsoft"
	case strings.HasPrefix(domain, "yahoo.") || domain == "ymail.com":
		return "yahoo"
	case domain == "proton.me" || domain == "protonmail.com" || domain == "pm.me":
		return "proton"
	case domain == "icloud.com" || domain == "me.com" || domain == "mac.com":
		return "apple"
	}
	return domain
}

// similarEmails groups near-identical canonical addresses: the same
// provider family and the same run of four or more digits (the blocking
// key, so only few pairs are compared), at least four other characters, and
// local parts within a
// Jaro-Winkler similarity of 0.85. It returns address -> group, where the
// group is the smallest address in it; addresses alone are left out.
func similarEmails(emails []string) map[string]string {
	blocks := map[string][]string{}
	for _, e := range emails {
		local, domain, ok := strings.Cut(e, "@")
		if !ok {
			continue
		}
		digits := longestDigitRun(local)
		if len(digits) < 4 || len(local)-len(digits) < 4 {
			continue // a short name says too little
		}
		k := providerFamily(domain) + "|" + digits
		blocks[k] = append(blocks[k], e)
	}
	keys := make([]string, 0, len(blocks))
	for k := range blocks {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := map[string]string{}
	for _, k := range keys {
		b := blocks[k]
		if len(b) < 2 || len(b) > 500 {
			continue
		}
		sort.Strings(b)
		uf := newUnionFind(len(b))
		for i := range b {
			li, _, _ := strings.Cut(b[i], "@")
			for j := i + 1; j < len(b); j++ {
				lj, _, _ := strings.Cut(b[j], "@")
				if li != lj && jaroWinkler(li, lj) >= 0.85 {
					uf.union(i, j)
				}
			}
		}
		groups := map[int][]string{}
		for i := range b {
			r := uf.find(i)
			groups[r] = append(groups[r], b[i])
		}
		for _, g := range groups {
			if len(g) < 2 {
				continue
			}
			for _, e := range g {
				out[e] = g[0] // g is sorted: g[0] is the smallest
			}
		}
	}
	return out
}

func longestDigitRun(s string) string {
	best, cur := "", ""
	for _, r := range s {
		if unicode.IsDigit(r) {
			cur += string(r)
			if len(cur) > len(best) {
				best = cur
			}
		} else {
			cur = ""
		}
	}
	return best
}

// jaroWinkler is the Jaro-Winkler similarity of two strings, 0 to 1.
func jaroWinkler(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	if len(ra) == 0 || len(rb) == 0 {
		return 0
	}
	window := max(len(ra), len(rb))/2 - 1
	window = max(window, 0)
	ma, mb := make([]bool, len(ra)), make([]bool, len(rb))
	matches := 0
	for i := range ra {
		lo, hi := max(0, i-window), min(len(rb), i+window+1)
		for j := lo; j < hi; j++ {
			if !mb[j] && ra[i] == rb[j] {
				ma[i], mb[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	transpositions, j := 0, 0
	for i := range ra {
		if !ma[i] {
			continue
		}
		for !mb[j] {
			j++
		}
		if ra[i] != rb[j] {
			transpositions++
		}
		j++
	}
	m := float64(matches)
	jaro := (m/float64(len(ra)) + m/float64(len(rb)) + (m-float64(transpositions)/2)/m) / 3
	prefix := 0
	for prefix < 4 && prefix < len(ra) && prefix < len(rb) && ra[prefix] == rb[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}
