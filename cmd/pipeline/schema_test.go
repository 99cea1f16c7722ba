package main

import (
	"context"
	"testing"

	"fediforensics/pipeline/schema"
	"fediforensics/pipeline/store"
)

// TestSchemaOfSample checks that the database of a run over the sample
// holds exactly the tables pipeline/schema declares, each with its
// declared columns, types and NOT NULLs: nothing undeclared, nothing
// missing.
func TestSchemaOfSample(t *testing.T) {
	t.Parallel()
	out := sharedSample(t)
	ctx := context.Background()
	db, err := store.OpenReadOnly(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	diff, err := schema.Diff(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diff {
		t.Error(d)
	}
}
