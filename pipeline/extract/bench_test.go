package extract

import (
	"strings"
	"testing"
)

// benchStatuses is a mix like a dump's: most statuses hold no host, some a
// link or a bare or defanged domain, a few are in Japanese or Chinese.
var benchStatuses = []string{
	"Good morning everyone! Coffee first, then the garden. Have a lovely day.",
	"Just finished reading the new book, highly recommend it to anyone who likes slow, quiet stories.",
	"@alice thanks for the tip, that worked. See you on Saturday?",
	"Earn 300% in a week!!! Join now at https://moonxtrade.com/r/8a7f6c?ref=abc123 before it closes.",
	"New post on my blog: https://example.org/2023/05/01/notes-on-federation (long read, sorry)",
	"visit cryptonexa[.]io or hxxps://bitqlend[.]com/x for free coins, limited offer",
	"今日はとても良い天気ですね。散歩に行きました。写真はexample.comにあります。",
	"version 1.2.3 released: fixes for setup.py and notes.md, see the changelog",
	"Our local paper rivertongazette.com has the council story. Worth a read.",
	"#caturday my cat is sleeping on the keyboard again, send help",
}

func benchCorpus() string {
	return strings.Join(benchStatuses, "\n")
}

// BenchmarkText measures the scan of plain text, per status.
func BenchmarkText(b *testing.B) {
	x := New()
	n := 0
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		x.Text(benchStatuses[i%len(benchStatuses)], func(Ref) { n++ })
	}
	if n == 0 {
		b.Fatal("found nothing")
	}
}

// BenchmarkTextNoHost measures the common case: a status with no host.
func BenchmarkTextNoHost(b *testing.B) {
	x := New()
	s := strings.Repeat("Just finished reading the new book, highly recommend it to anyone. ", 4)
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		x.Text(s, func(Ref) { b.Fatal("found a host") })
	}
}
