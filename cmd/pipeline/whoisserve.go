package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"fediforensics/enrich/whoisserver"
	"fediforensics/pipeline"
)

// cmdWhoisServe serves a directory of recorded WHOIS answers over RFC 3912:
// a private mirror, or the recording source of data/sample's cache.
func cmdWhoisServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("whois-serve", stderr)
	dir := fs.String("dir", "data/sample/whois-mirror", "`directory` of answers: <domain>.txt each")
	listen := fs.String("listen", "127.0.0.1:4343", "`address` to listen on")
	if _, err := parse(fs, args, 0, 0, "no arguments"); err != nil {
		return err
	}
	// A folder that is not there would serve "no match" for every domain,
	// which a client caches as knowledge: refuse it before listening.
	if info, err := os.Stat(*dir); err != nil {
		return fmt.Errorf("%w: whois-serve --dir: %w", pipeline.ErrUsage, err)
	} else if !info.IsDir() {
		return fmt.Errorf("%w: whois-serve --dir: %s is not a directory", pipeline.ErrUsage, *dir)
	}
	srv := whoisserver.New(*dir)
	addr, err := srv.Listen(*listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "serving %s on %s\n", *dir, addr)
	return srv.Serve(ctx)
}
