// Package notebooks holds the investigation notebooks shipped with the
// pipeline: Markdown files with SQL cells that 'pipeline notebook run'
// runs against an output. They are embedded in the binary, so that
// 'pipeline notebook run registrant-linkage --out OUT' works anywhere.
package notebooks

import "embed"

// Files are the notebooks, *.md at the top of the folder.
//
//go:embed *.md
var Files embed.FS
