package trivyadapter

import "testing"

// BenchmarkNewEngine compiles Trivy's checks: the fixed start-up cost of a
// scan. Every provider, and AWS only (what an AWS repository compiles).
func BenchmarkNewEngine(b *testing.B) {
	for _, tc := range []struct {
		name      string
		providers []string
	}{{"all", nil}, {"aws", []string{"aws"}}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := NewEngine(EngineOptions{Providers: tc.providers}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkListChecks compares the generated listing with parsing the
// checks' annotations, which it replaced.
func BenchmarkListChecks(b *testing.B) {
	b.Run("embedded-listing", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out []byte
			out = append(out, embeddedChecksJSON...)
			if _, err := decodeChecks(out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse-annotations", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			modules, err := loadEmbedded()
			if err != nil {
				b.Fatal(err)
			}
			listModules(modules, "cloud")
		}
	})
}
