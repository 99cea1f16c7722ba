package ingest

import (
	"fmt"
	"io"
	"path"
	"strings"

	"fediforensics/pipeline"
	"fediforensics/pipeline/pgarchive"
)

// sniffMember recognises a pg_dump file by its content, whatever its name:
// a custom (-Fc) or tar (-Ft) archive, or a plain SQL dump. The toc.dat of
// a directory-format archive (-Fd) is refused with the way out. Format is
// empty for anything else.
func sniffMember(p string, head []byte) (memberKind, error) {
	base := strings.ToLower(path.Base(p))
	if strings.HasPrefix(base, ".") || strings.HasPrefix(p, "__MACOSX/") {
		return memberKind{}, nil
	}
	switch k := pgarchive.Sniff(head); k {
	case pgarchive.KindCustom:
		return memberKind{Format: pipeline.FormatPGCustom}, nil
	case pgarchive.KindTar:
		return memberKind{Format: pipeline.FormatPGTar}, nil
	case pgarchive.KindPlain:
		return memberKind{Format: pipeline.FormatPGCopy}, nil
	case pgarchive.KindTOC:
		return memberKind{}, fmt.Errorf("%s: %w", p, pgarchive.Refusal(k))
	}
	switch base {
	case "toc.dat.gz", "toc.dat.lz4", "toc.dat.zst":
		return memberKind{}, fmt.Errorf("%s: %w", p, pgarchive.Refusal(pgarchive.KindTOC))
	}
	return memberKind{}, nil
}

// readPGArchive converts the COPY data of every known table of a pg_dump
// custom or tar archive with the plain-format reader: each table's data
// reads as its COPY statement (line 1) followed by its rows, so lines of
// warnings count within that table's data. maxBytes caps the decompressed
// data.
func readPGArchive(r io.Reader, file string, maxBytes int64, open openFunc, warn func(pipeline.Warning)) error {
	ar, err := pgarchive.NewReader(r, pgarchive.Options{
		MaxDataBytes: maxBytes,
		Want: func(e *pgarchive.Entry) bool {
			if e.Desc != "TABLE DATA" {
				return false
			}
			t, ok := knownTable(strings.ToLower(e.Tag))
			if ok && e.CopyStmt == "" {
				warn(pipeline.Warning{File: file, Table: string(t), Kind: "copy_header",
					Reason: fmt.Sprintf("the data of %s was dumped as INSERT statements (pg_dump --inserts), which are not read: dump it again without --inserts", e.Name())})
			}
			return ok && e.CopyStmt != ""
		},
	})
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	for {
		e, data, err := ar.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		stmt := strings.TrimRight(e.CopyStmt, "\n") + "\n"
		if err := readPGCopy(io.MultiReader(strings.NewReader(stmt), data), file, open, warn); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	}
}
