package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// Most tests of this package look at an output of the whole pipeline on
// the sample, and a run takes seconds. So each kind of run that several
// tests look at is made once for the test binary, on first use, under
// testRoot: a sharedRun. A test that only reads an output takes the shared
// one; a test that writes into an output (an export, notebooks,
// report.html, a change to the database, a run over it) takes a copy
// (copyOutput), the same bytes a new run makes: TestReportsDeterministic
// and TestOutputsAreDeterministic compare a shared output with a new run.
// TestMain checks, after the tests, that no test changed a shared output.
// Tests that change how the pipeline runs make their own runs.
type sharedRun struct {
	name string          // the output's folder under testRoot
	args func() []string // after "run <sample> --out <folder>"

	once   sync.Once
	out    string
	stdout string
	digest map[string]string // file -> sha256, when made
	err    error
}

var (
	// The sample with its recorded WHOIS cache: the README's walk-through.
	sampleRun = &sharedRun{name: "sample-out", args: func() []string {
		return []string{"--whois-cache", sampleCache}
	}}
	// The sample with an empty WHOIS cache: nothing known of registrants.
	emptyCacheRun = &sharedRun{name: "sample-empty-cache-out", args: func() []string {
		return []string{"--whois-cache", emptyDir("empty-whois-cache")}
	}}
	// The sample with the recorded WHOIS history fixture, no cache and no
	// network (sampleWithWhois).
	whoisFixtureRun = &sharedRun{name: "sample-whois-fixture-out", args: func() []string {
		return []string{"--whois", "off", "--whois-history", whoisFixture, "--whois-cache", emptyDir("fixture-whois-cache")}
	}}
	// The sample with its WHOIS cache and the test network databases.
	ipSampleRun = &sharedRun{name: "sample-ipdb-out", args: func() []string {
		return append([]string{"--whois-cache", sampleCache}, ipdbArgs()...)
	}}
	sharedRuns = []*sharedRun{sampleRun, emptyCacheRun, whoisFixtureRun, ipSampleRun}
)

// emptyDir makes a new empty folder under testRoot.
func emptyDir(name string) string {
	p := filepath.Join(testRoot, name)
	os.MkdirAll(p, 0o755)
	return p
}

// get returns the shared output, and what its run printed, making it on
// the first call. It fails the test if the run failed.
func (s *sharedRun) get(t *testing.T) (out, stdout string) {
	t.Helper()
	s.once.Do(func() {
		out := filepath.Join(testRoot, s.name)
		args := append([]string{"run", sampleDump, "--out", out}, s.args()...)
		code, stdout, stderr := runCLI(t, args...)
		if code != 0 {
			s.err = fmt.Errorf("shared run %v: exit %d\n%s\n%s", args, code, stdout, stderr)
			return
		}
		if s.digest, s.err = digestTree(out); s.err == nil {
			s.out, s.stdout = out, stdout
		}
	})
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.out, s.stdout
}

// changed says which files of the shared output differ from when it was
// made: added, removed or rewritten with other bytes.
func (s *sharedRun) changed() ([]string, error) {
	if s.out == "" {
		return nil, nil
	}
	now, err := digestTree(s.out)
	if err != nil {
		return nil, err
	}
	var diff []string
	for f, sum := range s.digest {
		if now[f] != sum {
			diff = append(diff, f)
		}
	}
	for f := range now {
		if _, ok := s.digest[f]; !ok {
			diff = append(diff, f)
		}
	}
	slices.Sort(diff)
	return diff, nil
}

// checkSharedRuns reports the shared outputs a test changed.
func checkSharedRuns() error {
	for _, s := range sharedRuns {
		diff, err := s.changed()
		if err != nil {
			return err
		}
		if len(diff) > 0 {
			return fmt.Errorf("a test changed the shared output %s (a test that writes into an output must take a copyOutput): %q", s.name, diff)
		}
	}
	return nil
}

// digestTree hashes every file under dir.
func digestTree(dir string) (map[string]string, error) {
	sums := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(b)
		sums[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	return sums, err
}

// copyOutput copies an output into a new folder of the test and returns
// its path: an output of the same run that the test may change.
func copyOutput(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "out")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(target, info.Mode().Perm())
		}
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", p)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		o, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm())
		if err != nil {
			return err
		}
		if _, err := io.Copy(o, in); err != nil {
			o.Close()
			return err
		}
		return o.Close()
	})
	if err != nil {
		t.Fatalf("copy of the output %s: %v", src, err)
	}
	return dst
}

// sharedSample is an output of the whole pipeline on the sample, with the
// sample's WHOIS cache, shared by the tests that only read it.
func sharedSample(t *testing.T) string {
	t.Helper()
	out, _ := sampleRun.get(t)
	return out
}

// sharedIPSample is an output of the sample with the WHOIS cache and the
// test network databases, shared by the tests that only read it.
func sharedIPSample(t *testing.T) (out, stdout string) {
	t.Helper()
	return ipSampleRun.get(t)
}
