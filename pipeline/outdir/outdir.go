// Package outdir makes an output directory appear whole or not at all: the
// work is done in a temporary sibling that is renamed into place at the end.
package outdir

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"fediforensics/pipeline"
)

// ManifestName is the manifest file of an output directory.
const ManifestName = "manifest.json"

// Dir is an output directory being built.
type Dir struct {
	Final string // where it goes
	Tmp   string // where it is built
}

// Begin makes the temporary sibling of final. final may not exist, or be
// an empty directory, or an earlier output (it holds a manifest.json).
func Begin(final string) (*Dir, error) {
	final = filepath.Clean(final)
	if err := checkReplaceable(final); err != nil {
		return nil, err
	}
	parent := filepath.Dir(final)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	tmp := filepath.Join(parent, "."+filepath.Base(final)+".tmp-"+randomSuffix())
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	return &Dir{Final: final, Tmp: tmp}, nil
}

func checkReplaceable(final string) error {
	st, err := os.Stat(final)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("%s: %w: it is a file, not a directory", final, pipeline.ErrOutputDir)
	}
	if _, err := os.Stat(filepath.Join(final, ManifestName)); err == nil {
		return nil
	}
	entries, err := os.ReadDir(final)
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s: %w: it is not empty and holds no %s, so it is not an earlier output; choose another --out", final, pipeline.ErrOutputDir, ManifestName)
	}
	return nil
}

// Commit renames the finished directory into place, replacing an earlier
// output.
func (d *Dir) Commit() error {
	if err := checkReplaceable(d.Final); err != nil {
		return err
	}
	var old string
	if _, err := os.Stat(d.Final); err == nil {
		old = filepath.Join(filepath.Dir(d.Final), "."+filepath.Base(d.Final)+".old-"+randomSuffix())
		if err := os.Rename(d.Final, old); err != nil {
			return fmt.Errorf("output: %w", err)
		}
	}
	if err := os.Rename(d.Tmp, d.Final); err != nil {
		if old != "" {
			os.Rename(old, d.Final)
		}
		return fmt.Errorf("output: %w", err)
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

// Abort removes the temporary directory.
func (d *Dir) Abort() { os.RemoveAll(d.Tmp) }

func randomSuffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
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

// ReadManifest reads the manifest of an output directory.
func ReadManifest(dir string) (*pipeline.Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: not a pipeline output (%w)", dir, pipeline.ErrUsage, err)
	}
	var m pipeline.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestName), err)
	}
	return &m, nil
}
