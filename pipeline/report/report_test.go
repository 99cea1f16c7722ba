package report

import (
	"strings"
	"testing"
	"time"
)

func TestNeutralize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"},
		{"+1+1", "'+1+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"-0.5", "-0.5"},
		{"-12", "-12"},
		{"plain", "plain"},
		{"", ""},
		{"a=b", "a=b"},
	} {
		if got := Neutralize(tc.in); got != tc.want {
			t.Errorf("Neutralize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCell(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{nil, ""},
		{time.Date(2023, 5, 5, 14, 2, 3, 556000000, time.FixedZone("x", 3600)), "2023-05-05T13:02:03.556Z"},
		{0.25, "0.25"},
		{float64(3), "3"},
		{int64(-7), "-7"},
		{true, "true"},
		{[]byte("b"), "b"},
	} {
		if got := Cell(tc.in); got != tc.want {
			t.Errorf("Cell(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPseudonymize(t *testing.T) {
	p := NewPseudonymizer("key")
	in := "emily.smith12@outlook.com from 203.0.113.7 and 2a01:4f8:0:1::5, prefix 203.0.113.0/24 at 14:02:11"
	got := p.Apply(in)
	for _, leak := range []string{"emily", "outlook", "203.0.113", "2a01"} {
		if strings.Contains(got, leak) {
			t.Errorf("%q leaks %q", got, leak)
		}
	}
	if !strings.Contains(got, "14:02:11") {
		t.Errorf("a time of day was taken for an address: %q", got)
	}
	// The same value hashes the same: links hold. Another key gives others.
	if p.Apply("Emily.Smith12@Outlook.com") != p.Apply("emily.smith12@outlook.com") {
		t.Error("hash depends on case")
	}
	if NewPseudonymizer("other").Apply("a@b.org") == p.Apply("a@b.org") {
		t.Error("hash does not depend on the key")
	}
	if NewPseudonymizer("").Apply(in) != in {
		t.Error("no key must change nothing")
	}
}
