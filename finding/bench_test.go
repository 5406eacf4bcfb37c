package finding

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func BenchmarkFingerprint(b *testing.B) {
	f := Finding{
		RuleID: "AWS-0086", Resource: `module.artifacts.aws_s3_bucket_public_access_block.this["assets"]`, AttributePath: "block_public_acls",
		Range: Range{File: "live/prod/eu-west-1/storage/storage.tf", Start: Position{Line: 42}},
	}
	b.ReportAllocs()
	for b.Loop() {
		FingerprintOf(f)
	}
}

// BenchmarkSort sorts the findings of a large scan (3,000, shuffled).
func BenchmarkSort(b *testing.B) {
	rnd := rand.New(rand.NewPCG(1, 2))
	base := make([]Finding, 3000)
	for i := range base {
		base[i] = Finding{RuleID: fmt.Sprintf("AWS-%04d", rnd.IntN(200)),
			Range: Range{File: fmt.Sprintf("live/r%03d/main.tf", rnd.IntN(150)), Start: Position{Line: rnd.IntN(400) + 1}}}
	}
	fs := make([]Finding, len(base))
	b.ReportAllocs()
	for b.Loop() {
		copy(fs, base)
		Sort(fs)
	}
}
