package link

import "testing"

func TestNameShape(t *testing.T) {
	ns := newNameShaper()
	for _, tc := range []struct {
		name   string
		random bool
	}{
		// Names and words people choose.
		{"alice", false}, {"johnsmith", false}, {"cat_lover_1987", false}, {"photography", false},
		{"gargron", false}, {"nightingale", false}, {"schneider", false}, {"strengthening", false},
		{"marie_dupont", false}, {"fotografie", false}, {"the_real_deal", false}, {"pixelfed", false},
		{"jan2024", false}, {"Renaud_Chaput", false}, {"eugen", false}, {"newsbot_world", false},
		// Random letters and digits, as sign-up scripts make them.
		{"xkqjtwbzpl", true}, {"a8f3k2m9qz", true}, {"vbnqzrtmwk", true}, {"qwxzjkvlnp", true},
		{"hd7kq2xv9z", true}, {"zjqvkwxpfb", true}, {"rfgkzqpmxw", true}, {"k3v9x2b8nq", true},
	} {
		score, why := ns.shape(tc.name)
		if (score >= randomNameScore) != tc.random {
			t.Errorf("%s: score %.3f (%s), random-looking want %v", tc.name, score, why, tc.random)
		}
	}
}
