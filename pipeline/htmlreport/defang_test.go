package htmlreport

import "testing"

func TestDefang(t *testing.T) {
	for in, want := range map[string]string{
		"https://quot.pw/x.html?a=1":       "hxxps://quot[.]pw/x[.]html?a=1",
		"HTTP://Moonxtrade.com":            "hxxp://Moonxtrade[.]com",
		"ftp://files.example.org":          "fxp://files[.]example[.]org",
		"see tradebtcx.org. They give 49%": "see tradebtcx[.]org. They give 49%",
		"john.doe@gmail.com":               "john.doe@gmail[.]com",
		"score 0.5, v1.2.3, e.g. this":     "score 0.5, v1.2.3, e.g. this",
		"bücher.example":                   "bücher[.]example",
		"xn--bcher-kva.example":            "xn--bcher-kva[.]example",
		"hxxps://already[.]defanged":       "hxxps://already[.]defanged",
		"kowalski trading sp. z o.o.":      "kowalski trading sp. z o.o.",
		"<script>alert(1)</script>":        "<script>alert(1)</script>",
		"mastodon.social#9731":             "mastodon[.]social#9731",
	} {
		if got := Defang(in); got != want {
			t.Errorf("Defang(%q) = %q, want %q", in, got, want)
		}
	}
}
