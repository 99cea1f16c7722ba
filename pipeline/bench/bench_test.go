package bench

import (
	"context"
	"testing"
)

// BenchmarkIngest ingests a generated dump and DuckDB bare-loads the same
// members in the same run; it reports the ratio. Larger runs:
// go run -tags duckdb_arrow ./cmd/pipeline bench --statuses 1000000
func BenchmarkIngest(b *testing.B) {
	for i := 0; i < b.N; i++ {
		res, err := Run(context.Background(), Config{Accounts: 20000, Statuses: 200000, WorkDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(res.Ratio, "ingest/bare")
		b.ReportMetric(res.RowsPerSec, "statuses/s")
		b.ReportMetric(float64(res.PeakRSSIngest)/1e6, "peakRSS-MB")
	}
}

// BenchmarkStages also runs extract against DuckDB's regexp_extract_all over
// the same status content, and link; it reports the extract ratio. Larger:
// go run -tags duckdb_arrow ./cmd/pipeline bench --statuses 1000000 --stages
func BenchmarkStages(b *testing.B) {
	for i := 0; i < b.N; i++ {
		res, err := Run(context.Background(), Config{Accounts: 20000, Statuses: 200000, WorkDir: b.TempDir(), Stages: true})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(res.ExtractRatio, "extract/regexp")
		b.ReportMetric(res.RefsWrite.Seconds()/res.BareRegexp.Seconds(), "refs-write-floor/regexp")
		b.ReportMetric(res.Link.Seconds(), "link-s")
	}
}
