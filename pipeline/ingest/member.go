package ingest

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"

	"fediforensics/pipeline"
)

// memberKind says how a member of the dump is read.
type memberKind struct {
	Format pipeline.Format
	Table  pipeline.Table // database export CSV
	API    string         // API export: admin_accounts, accounts, statuses, applications
}

// classify recognises a member by its name, case-insensitively, anywhere in
// the tree. ok is false for members the ingest stage does not read.
func classify(p string) (k memberKind, ok bool) {
	base := strings.ToLower(path.Base(p))
	if strings.HasPrefix(base, ".") || strings.HasPrefix(p, "__MACOSX/") {
		return k, false
	}
	stem, ext, _ := strings.Cut(base, ".")
	switch ext {
	case "csv":
		t, ok := knownTable(stem)
		return memberKind{Format: pipeline.FormatCSV, Table: t}, ok
	case "sql":
		return memberKind{Format: pipeline.FormatPGCopy}, true
	case "json", "jsonl", "ndjson":
		switch stem {
		case "admin_accounts", "accounts", "statuses", "applications":
			f := pipeline.FormatJSON
			if ext != "json" {
				f = pipeline.FormatJSONL
			}
			return memberKind{Format: f, API: stem}, true
		}
	}
	return k, false
}

// dumpManifest is the optional manifest.json at the root of a dump.
type dumpManifest struct {
	Instance  string            `json:"instance"`
	Instances map[string]string `json:"instances"` // top-level folder -> instance domain
}

func parseDumpManifest(b []byte) (dumpManifest, error) {
	var m dumpManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("manifest.json: %w", err)
	}
	return m, nil
}

var hostnameRE = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$`)

// instanceOf decides which instance a member belongs to: the manifest's
// folder mapping, else the first folder named like a host, else the
// manifest's single instance, else fallback (--instance). The instance must
// be a host name.
func instanceOf(p string, m dumpManifest, fallback string) (string, error) {
	inst, err := pickInstance(p, m, fallback)
	if err != nil {
		return "", err
	}
	if !hostnameRE.MatchString(inst) {
		return "", fmt.Errorf("%w: instance %q of %q is not a host name", pipeline.ErrUsage, inst, p)
	}
	return inst, nil
}

func pickInstance(p string, m dumpManifest, fallback string) (string, error) {
	dirs := strings.Split(path.Dir(p), "/")
	if len(dirs) > 0 && dirs[0] != "." {
		if inst, ok := m.Instances[dirs[0]]; ok {
			return strings.ToLower(inst), nil
		}
		for _, d := range dirs {
			if d := strings.ToLower(d); hostnameRE.MatchString(d) {
				return d, nil
			}
		}
	}
	if m.Instance != "" {
		return strings.ToLower(m.Instance), nil
	}
	if fallback != "" {
		return strings.ToLower(fallback), nil
	}
	return "", fmt.Errorf("%w: cannot tell which instance %q belongs to: put it in a folder named for the instance (mastodon.social/), add a manifest.json with \"instance\", or pass --instance", pipeline.ErrUsage, p)
}
