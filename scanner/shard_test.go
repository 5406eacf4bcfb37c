package scanner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tfreview/tfreview/finding"
)

// shardTree writes 12 root modules of different sizes, two local modules
// each called by several of them, a file that does not parse outside every
// root module and one inside a shared module.
func shardTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, src string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("modules/net/main.tf", "resource \"aws_security_group\" \"sg\" {\n  description = \"x\"\n}\n")
	write("modules/net/broken.tf", "resource \"x\" {\n")
	write("modules/store/main.tf", "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n")
	write("orphan/broken.tfvars", "x = = 1\n")
	for i := range 12 {
		src := fmt.Sprintf("module \"net\" {\n  source = \"../../modules/net\"\n}\n# %0*d\n", i*40+1, 0)
		if i%3 == 0 {
			src += "module \"store\" {\n  source = \"../../modules/store\"\n}\n"
		}
		write(fmt.Sprintf("roots/r%02d/main.tf", i), src)
	}
	return dir
}

// TestShardPartitionDeterministicAndBalanced: the partition depends only
// on the tree (the same on every call), every root module is in exactly
// one shard, and no shard is heavier than the lightest by more than the
// largest root module.
func TestShardPartitionDeterministicAndBalanced(t *testing.T) {
	dir := shardTree(t)
	root, _ := os.OpenRoot(dir)
	defer root.Close()
	set, err := readFiles(root.FS(), withDefaults(Limits{}), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	graph, _ := set.breakCycles(newOverlay(root.FS()))
	roots := set.findRoots(graph)
	if len(roots) != 12 {
		t.Fatalf("roots %v, want the 12 of roots/", roots)
	}
	for _, n := range []int{1, 3, 5} {
		first := set.partitionRoots(roots, n)
		for range 5 {
			if again := set.partitionRoots(roots, n); fmt.Sprint(again) != fmt.Sprint(first) {
				t.Fatalf("N=%d: partition changed between calls: %v vs %v", n, first, again)
			}
		}
		load := make([]int64, n)
		var largest int64
		for _, r := range roots {
			var size int64
			for _, d := range set.moduleDirs(r) {
				for _, f := range set.filesIn(d) {
					size += int64(len(f.Src))
				}
			}
			largest = max(largest, size)
			load[first[r]] += size
		}
		lo, hi := load[0], load[0]
		for _, l := range load {
			lo, hi = min(lo, l), max(hi, l)
		}
		if hi-lo > largest {
			t.Errorf("N=%d: loads %v differ by more than the largest root module (%d)", n, load, largest)
		}
	}
}

// TestShardFilesCountedOnce: over the shards, every root module is
// evaluated once, every file is counted once and every parse error —
// outside every root module or in a module several shards call — is
// reported once, as in one scan.
func TestShardFilesCountedOnce(t *testing.T) {
	dir := shardTree(t)
	scan := func(sh Shard) finding.Report {
		rep, err := Scan(context.Background(), Options{Paths: []string{dir}, BaseDir: dir, Engines: []string{EngineBuiltin}, Shard: sh})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	whole := scan(Shard{})
	parseErrs := func(r finding.Report) map[string]int {
		out := map[string]int{}
		for _, f := range r.Findings {
			if f.RuleID == ParseRuleID {
				out[f.Range.File]++
			}
		}
		return out
	}
	want := parseErrs(whole)
	if len(want) != 2 {
		t.Fatalf("whole scan: parse errors %v, want orphan/broken.tfvars and modules/net/broken.tf", want)
	}
	for _, n := range []int{2, 3, 7} {
		var files, rootModules int
		got := map[string]int{}
		for k := 1; k <= n; k++ {
			r := scan(Shard{Index: k, Count: n})
			files += r.Stats.Files
			rootModules += r.Stats.RootModules
			for f, c := range parseErrs(r) {
				got[f] += c
			}
		}
		if files != whole.Stats.Files || rootModules != whole.Stats.RootModules {
			t.Errorf("N=%d: shards count %d files, %d root modules; one scan %d, %d", n, files, rootModules, whole.Stats.Files, whole.Stats.RootModules)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("N=%d: parse errors over the shards %v, one scan %v", n, got, want)
		}
	}
}

func TestParseShard(t *testing.T) {
	for in, want := range map[string]Shard{"1/1": {1, 1}, "3/7": {3, 7}} {
		if got, err := ParseShard(in); err != nil || got != want {
			t.Errorf("ParseShard(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "0/3", "4/3", "1/0", "-1/2", "a/b", "1/2/3", "1"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
}
