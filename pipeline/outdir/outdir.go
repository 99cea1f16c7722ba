// Package outdir owns the output directories of the pipeline: which
// folders are ours to write into, building an output in a temporary
// sibling, and putting it into place so that a reader sees the old output
// or the new one, and nothing the pipeline did not write is ever touched.
//
// The rules:
//   - A folder is ours only if its manifest.json says this tool wrote it and
//     it holds our database (pipeline.duckdb, with DuckDB's magic bytes).
//     An empty or missing folder is free. Anything else is refused
//     (pipeline.ErrOutputDir, exit 7) and left untouched, unless the caller
//     forces it; even then only the paths the pipeline writes are replaced.
//   - A new output is built in ".NAME.tmp-PID-RANDOM" beside it. Into a
//     missing or empty folder it is renamed whole. Into an earlier output,
//     each file the new output holds replaces the file of that path, the
//     manifest last; the files the earlier output's manifest lists and the
//     new one does not are removed; every other file (notes, exports,
//     notebooks) is kept. A file of the new output whose path holds a file
//     the earlier manifest does not list is refused unless forced.
//   - Temporary folders whose process is gone are removed by the next Begin
//     beside them.
package outdir

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"fediforensics/pipeline"
)

// ManifestName is the manifest file of an output directory.
const ManifestName = "manifest.json"

// DatabaseName is the database file of an output directory. (store.FileName
// names the same file; outdir does not import the driver.)
const DatabaseName = "pipeline.duckdb"

// markerName marks a temporary folder as this tool's, with the pid that
// made it.
const markerName = ".pipeline-tmp"

// Dir is an output directory being built.
type Dir struct {
	Final string // where it goes
	Tmp   string // where it is built
	// Prev is the manifest of the earlier output at Final, nil if none.
	Prev  *pipeline.Manifest
	force bool
	log   *slog.Logger
}

// Options steer Begin.
type Options struct {
	// Force accepts a folder that is not an earlier output, and files of
	// an earlier output that its manifest does not list, where the new
	// output writes the same path. Nothing else is touched even then.
	Force bool
	Log   *slog.Logger
}

// Begin makes the temporary sibling of final, after checking that final is
// free or ours, and removes stale temporary folders of this tool beside it.
func Begin(final string, opt Options) (*Dir, error) {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	final = filepath.Clean(final)
	prev, err := check(final, opt.Force)
	if err != nil {
		return nil, err
	}
	parent := filepath.Dir(final)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	CleanStale(final, opt.Log)
	tmp := filepath.Join(parent, tmpPrefix(final)+strconv.Itoa(os.Getpid())+"-"+randomSuffix())
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, markerName), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("output: %w", err)
	}
	return &Dir{Final: final, Tmp: tmp, Prev: prev, force: opt.Force, log: opt.Log}, nil
}

func tmpPrefix(final string) string { return "." + filepath.Base(final) + ".tmp-" }

// check says whether final may be written: missing, an empty folder, or
// ours (then its manifest is returned); or anything with force.
func check(final string, force bool) (*pipeline.Manifest, error) {
	st, err := os.Lstat(final)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		if st, err = os.Stat(final); err != nil {
			return nil, fmt.Errorf("output: %w", err)
		}
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: %w: it is a file, not a directory; choose another --out", final, pipeline.ErrOutputDir)
	}
	m, ownErr := Owned(final)
	if ownErr == nil {
		return m, nil
	}
	entries, err := os.ReadDir(final)
	if err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	if len(entries) == 0 || force {
		return nil, nil
	}
	return nil, fmt.Errorf("%s: %w: it is not empty and is not an output of this tool (%v); it is left untouched: choose another --out, or pass --force to write the pipeline's files into it (nothing else in it is touched)", final, pipeline.ErrOutputDir, ownErr)
}

// Owned returns the manifest of dir if dir is an output of this tool: its
// manifest says so and it holds our database.
func Owned(dir string) (*pipeline.Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("no readable %s", ManifestName)
	}
	var m pipeline.Manifest
	if err := json.Unmarshal(b, &m); err != nil || m.Tool != pipeline.ToolName {
		return nil, fmt.Errorf("its %s was not written by %s", ManifestName, pipeline.ToolName)
	}
	f, err := os.Open(filepath.Join(dir, DatabaseName))
	if err != nil {
		return nil, fmt.Errorf("no %s", DatabaseName)
	}
	defer f.Close()
	head := make([]byte, 12)
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head[8:12], []byte("DUCK")) {
		return nil, fmt.Errorf("%s is not a DuckDB database", DatabaseName)
	}
	m.Init()
	return &m, nil
}

// CleanStale removes the temporary folders of this tool beside final whose
// process is gone, and logs those it cannot tell about.
func CleanStale(final string, log *slog.Logger) {
	parent, prefix := filepath.Dir(final), tmpPrefix(final)
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		p := filepath.Join(parent, e.Name())
		b, err := os.ReadFile(filepath.Join(p, markerName))
		pid, perr := strconv.Atoi(strings.TrimSpace(string(b)))
		switch {
		case err != nil || perr != nil || pid <= 0:
			log.Warn("a temporary folder that may be an interrupted run's: remove it by hand if no pipeline is running", "path", p)
		case processAlive(pid):
			log.Info("a temporary folder of a running pipeline: left alone", "path", p, "pid", pid)
		default:
			if err := os.RemoveAll(p); err != nil {
				log.Warn("could not remove a stale temporary folder", "path", p, "err", err)
			} else {
				log.Info("removed the temporary folder of an interrupted run", "path", p, "pid", pid)
			}
		}
	}
}

// processAlive says whether a process with this pid exists (signal 0).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// CopyIn copies the file name of Final into Tmp: a stage over an earlier
// output works on a copy of its database, so a failed stage leaves the
// output as it was.
func (d *Dir) CopyIn(name string) error {
	src, err := os.Open(filepath.Join(d.Final, name))
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	defer src.Close()
	dst, err := os.Create(filepath.Join(d.Tmp, name))
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return fmt.Errorf("output: copy %s: %w", name, err)
	}
	if err := dst.Close(); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	return nil
}

// Commit writes m into the new output and puts it into place. With
// replace, it is a whole new output: the earlier output's files that the
// new one lacks are removed. Without, it adds to the earlier output (a
// stage run again): the earlier files stay listed. m.Files is set.
func (d *Dir) Commit(m *pipeline.Manifest, replace bool) error {
	for _, scratch := range []string{".scratch", ".duckdb-tmp"} {
		os.RemoveAll(filepath.Join(d.Tmp, scratch))
	}
	files, err := listFiles(d.Tmp)
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	// Check again: the folder may have changed while the work ran.
	prev, err := check(d.Final, d.force)
	if err != nil {
		return err
	}
	var prevFiles []string
	if prev != nil {
		if prevFiles = prev.Files; prevFiles == nil {
			prevFiles = legacyFiles(d.Final)
		}
	}
	m.Files = files
	if !replace {
		m.Files = union(files, prevFiles)
	}
	m.Files = union(m.Files, []string{ManifestName})
	if err := WriteManifest(d.Tmp, m); err != nil {
		return err
	}
	os.Remove(filepath.Join(d.Tmp, markerName))

	if empty, err := isEmptyDir(d.Final); err != nil {
		return fmt.Errorf("output: %w", err)
	} else if empty {
		// A new output appears whole (rename replaces an empty folder).
		if err := os.Rename(d.Tmp, d.Final); err != nil {
			return fmt.Errorf("output: %w", err)
		}
		return nil
	}
	// Into an earlier output: refuse to replace what we did not write.
	var clash []string
	for _, f := range files {
		if slices.Contains(prevFiles, f) {
			continue
		}
		if _, err := os.Lstat(filepath.Join(d.Final, f)); err == nil {
			clash = append(clash, f)
		}
	}
	if len(clash) > 0 && !d.force {
		return fmt.Errorf("%s: %w: it holds %s, which this tool did not write there and would replace; move it away, or pass --force to replace it", d.Final, pipeline.ErrOutputDir, strings.Join(clash, ", "))
	}
	// The manifest goes last: until then the earlier manifest stands.
	for _, f := range append(slices.DeleteFunc(slices.Clone(files), func(s string) bool { return s == ManifestName }), ManifestName) {
		dst := filepath.Join(d.Final, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("output: %w", err)
		}
		if err := os.Rename(filepath.Join(d.Tmp, f), dst); err != nil {
			return fmt.Errorf("output: %w", err)
		}
	}
	if replace {
		for _, f := range prevFiles {
			if slices.Contains(files, f) || f == ManifestName {
				continue
			}
			os.Remove(filepath.Join(d.Final, f))
			removeEmptyParents(d.Final, filepath.Dir(f))
		}
	}
	var kept []string
	if all, err := listFiles(d.Final); err == nil {
		for _, f := range all {
			if !slices.Contains(m.Files, f) {
				kept = append(kept, f)
			}
		}
	}
	if len(kept) > 0 {
		d.log.Info("kept files this run did not write", "output", d.Final, "files", len(kept), "first", kept[0])
	}
	return os.RemoveAll(d.Tmp)
}

// Abort removes the temporary directory.
func (d *Dir) Abort() { os.RemoveAll(d.Tmp) }

// listFiles lists the regular files under dir as slash paths, sorted,
// leaving out the marker.
func listFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if rel != markerName {
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// legacyFiles is what an output made before manifests listed their files
// holds of ours: the database, the manifest, report.html, reports/ and
// remediation/.
func legacyFiles(final string) []string {
	all, _ := listFiles(final)
	return slices.DeleteFunc(all, func(f string) bool {
		switch f {
		case ManifestName, DatabaseName, "report.html":
			return false
		}
		return !strings.HasPrefix(f, "reports/") && !strings.HasPrefix(f, "remediation/")
	})
}

func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	sort.Strings(out)
	return slices.Compact(out)
}

func isEmptyDir(p string) (bool, error) {
	entries, err := os.ReadDir(p)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	return len(entries) == 0, err
}

// removeEmptyParents removes rel and its parents inside root while empty.
func removeEmptyParents(root, rel string) {
	for rel != "." && rel != "/" && rel != "" {
		if os.Remove(filepath.Join(root, rel)) != nil {
			return
		}
		rel = filepath.Dir(rel)
	}
}

func randomSuffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Overlap says whether two paths are the same or one holds the other,
// comparing whole path elements after resolving symlinks (of the longest
// part of each path that exists).
func Overlap(a, b string) bool {
	ra, rb := resolve(a), resolve(b)
	return ra == rb || within(ra, rb) || within(rb, ra)
}

// within says whether p is strictly inside dir.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == "." || filepath.IsAbs(rel) {
		return false
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// resolve makes p absolute and resolves the symlinks of its longest
// existing prefix; the rest is appended as it is (cleaned).
func resolve(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	rest := ""
	for cur := abs; ; cur = filepath.Dir(cur) {
		if r, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(r, rest)
		}
		if cur == filepath.Dir(cur) {
			return abs
		}
		rest = filepath.Join(filepath.Base(cur), rest)
	}
}

// WriteFile writes a file of an output directory atomically.
func WriteFile(p string, data []byte) error {
	return Write(p, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write writes the file at p through write, atomically: into a temporary
// sibling, renamed into place only when all went well. A reader sees the
// old file or the new one, never half of one.
func Write(p string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	bw := bufio.NewWriterSize(f, 1<<16)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}

// WriteManifest writes m into dir.
func WriteManifest(dir string, m *pipeline.Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return WriteFile(filepath.Join(dir, ManifestName), append(b, '\n'))
}

// ReadManifest reads the manifest of an output directory of this tool.
func ReadManifest(dir string) (*pipeline.Manifest, error) {
	m, err := Owned(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: not an output of %s (%w)", dir, pipeline.ErrUsage, pipeline.ToolName, err)
	}
	return m, nil
}
