package pipeline

import (
	"errors"
	"fmt"
	"testing"
)

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
