package main

import (
	"context"
	"fmt"
	"os"

	"fediforensics/pipeline/export"
	"fediforensics/pipeline/htmlreport"
	"fediforensics/pipeline/notebook"
	"fediforensics/pipeline/store"
)

func main() {
	ctx := context.Background()
	db, err := store.OpenReadOnly(ctx, os.Args[1])
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if len(os.Args) > 2 && os.Args[2] == "export" {
		for _, f := range export.Formats() {
			if err := export.Write(ctx, db, f, os.Args[1]+"/export/"+f); err != nil {
				panic(err)
			}
		}
		if err := export.Remediation(ctx, db, os.Args[1]); err != nil {
			panic(err)
		}
		return
	}
	if len(os.Args) > 2 {
		for _, f := range os.Args[2:] {
			b, _ := os.ReadFile(f)
			nb, err := notebook.Parse(f, b)
			if err != nil {
				panic(err)
			}
			r, err := notebook.Run(ctx, db, nb, notebook.Options{})
			if err != nil {
				panic(err)
			}
			h, _ := r.HTML()
			os.WriteFile("/tmp/nb-"+nb.Name+".html", h, 0o644)
			os.WriteFile("/tmp/nb-"+nb.Name+".md", r.Markdown(), 0o644)
		}
		return
	}
	if err := htmlreport.Write(ctx, db, os.Args[1], htmlreport.Options{}); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
}
