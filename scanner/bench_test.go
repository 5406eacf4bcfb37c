package scanner

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tfreview/tfreview/internal/trivyadapter"
	"github.com/tfreview/tfreview/rules"
)

// benchDir is the tree the benchmarks scan: TFREVIEW_BENCH_CORPUS (a corpus
// from bench/gen, e.g. bench/corpus/large) or the insecure fixture.
//
//	go run ./bench/gen -out bench/corpus -only large
//	TFREVIEW_BENCH_CORPUS=$PWD/bench/corpus/large go test ./scanner -run '^$' -bench . -benchmem
func benchDir(b *testing.B) string {
	b.Helper()
	dir := os.Getenv("TFREVIEW_BENCH_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "testdata", "insecure")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		b.Fatal(err)
	}
	return abs
}

func benchScan(b *testing.B, engines ...string) { benchScanWith(b, Options{Engines: engines}) }

func benchScanWith(b *testing.B, opts Options) {
	dir := benchDir(b)
	ctx := context.Background()
	opts.Paths, opts.BaseDir = []string{dir}, dir
	s, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	// Compile Trivy's checks (and start the workers) outside the timed
	// loop: it is a per-Scanner cost, measured by BenchmarkEngineCompile.
	if _, err := s.Scan(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rep, err := s.Scan(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(rep.Findings)), "findings")
	}
}

// BenchmarkScan is a full scan with both engines, as `tfreview scan` runs.
func BenchmarkScan(b *testing.B) { benchScan(b) }

// BenchmarkScanWorkers is BenchmarkScan with root modules evaluated in
// worker processes (kept between scans of one Scanner).
func BenchmarkScanWorkers(b *testing.B) {
	benchScanWith(b, Options{WorkerCommand: testWorkerCommand(b)})
}

// BenchmarkScanTrivy runs Trivy's checks only (load, evaluate, checks).
func BenchmarkScanTrivy(b *testing.B) { benchScan(b, EngineTrivy) }

// BenchmarkScanBuiltin runs the built-in checks only (load, evaluate, rules).
func BenchmarkScanBuiltin(b *testing.B) { benchScan(b, EngineBuiltin) }

// BenchmarkReadFiles reads, parses and lexes every file: the scanner's own
// pass before evaluation.
func BenchmarkReadFiles(b *testing.B) {
	dir := benchDir(b)
	b.ReportAllocs()
	for b.Loop() {
		root, err := os.OpenRoot(dir)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := readFiles(root.FS(), DefaultLimits, nil, nil); err != nil {
			b.Fatal(err)
		}
		root.Close()
	}
}

// BenchmarkLoadEvaluate loads and evaluates every root module with Trivy's
// parser and converts it to tfmodel: the work both engines share.
func BenchmarkLoadEvaluate(b *testing.B) {
	dir := benchDir(b)
	root, err := os.OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	set, err := readFiles(root.FS(), DefaultLimits, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	fsys := newOverlay(root.FS())
	graph, _ := set.breakCycles(fsys)
	roots := set.findRoots(graph)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, r := range roots {
			if _, err := trivyadapter.LoadRoot(ctx, fsys, r, set.sources(), trivyadapter.LoadOptions{WorkingDir: dir}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(roots)), "roots")
}

// BenchmarkBuiltinRules runs the built-in rules over already evaluated
// modules.
func BenchmarkBuiltinRules(b *testing.B) {
	dir := benchDir(b)
	s, err := New(Options{Paths: []string{dir}, BaseDir: dir, Engines: []string{EngineBuiltin}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	res, err := s.ScanProject(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	selected, err := selectRules(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, p := range res.Projects {
			rules.Run(p, rules.Config{}, selected)
		}
	}
}
