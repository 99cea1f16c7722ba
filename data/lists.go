// Package data holds the editable lists the linker reads (common email
// providers, popular domains, well-known apps) and the hosting networks the
// ipinfo stage reads (hosting_asns.txt). They are embedded in the binary;
// pass --lists DIR to the pipeline to use an edited copy.
package data

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"
)

//go:embed lists/*.txt
var lists embed.FS

// Lists is the folder of lists shipped with the binary.
func Lists() fs.FS {
	sub, err := fs.Sub(lists, "lists")
	if err != nil {
		panic(err) // the embedded folder is always there
	}
	return sub
}

// ReadList reads one list: one entry a line, blank lines and lines starting
// with '#' skipped, surrounding space trimmed.
func ReadList(fsys fs.FS, name string) ([]string, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", name, err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out, nil
}
