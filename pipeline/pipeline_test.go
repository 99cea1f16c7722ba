package pipeline

import (
	"errors"
	"fmt"
	"testing"
)

func TestPrintable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"MastoBoost", "MastoBoost"},
		{"evil\x1b]0;pwned\x07app", "evil\uFFFD]0;pwned\uFFFDapp"},
		{"line\nbreak\tand tab", "line\uFFFDbreak\tand tab"},
		{"bücher.de \u009b31m", "bücher.de \uFFFD31m"},
	} {
		if got := Printable(tc.in); got != tc.want {
			t.Errorf("Printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{fmt.Errorf("x: %w", ErrUnsafe), ExitUnsafe},
		{fmt.Errorf("x: %w: %w", ErrBroken, errors.New("eof")), ExitBroken},
		{fmt.Errorf("x: %w", ErrTooLarge), ExitTooLarge},
		{fmt.Errorf("x: %w", ErrNoData), ExitNoData},
		{fmt.Errorf("x: %w", ErrOutputDir), ExitOutputInUse},
		{fmt.Errorf("x: %w", ErrUsage), ExitUsage},
		{fmt.Errorf("x: %w", ErrSkipped), ExitSkippedMembers},
		{errors.New("disk full"), ExitFailure},
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := Truncate("héllo", 2); got != "h…" {
		t.Errorf("Truncate cut a rune: %q", got)
	}
	if got := Truncate("abc", 5); got != "abc" {
		t.Errorf("Truncate = %q", got)
	}
}
