package main

import (
	"context"
	"fmt"
	"io"

	"fediforensics/enrich/whoisserver"
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
	srv := whoisserver.New(*dir)
	addr, err := srv.Listen(*listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "serving %s on %s\n", *dir, addr)
	return srv.Serve(ctx)
}
