package scanner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tfreview/tfreview/finding"
)

// memoryBomb is a root module of 1.5 KB whose locals double a string 40
// times: evaluating it wants terabytes.
func memoryBomb() string {
	var b strings.Builder
	b.WriteString("locals {\n  a00 = \"xxxxxxxxxxxxxxxx\"\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "  a%02d = \"${local.a%02d}${local.a%02d}\"\n", i, i-1, i-1)
	}
	b.WriteString("}\n")
	return b.String()
}

// timeBomb builds a value too large to evaluate in a second, in little
// memory.
const timeBomb = `locals {
  ids = toset(flatten([for a in range(200) : [for b in range(1000) : "${a}-${b}"]]))
}
resource "aws_ebs_volume" "many" {
  for_each  = local.ids
  encrypted = false
}
`

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// workerPIDs lists the evaluation workers this process started that still
// exist (zombies included).
func workerPIDs(t *testing.T) []int {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if bytes.Contains(cmdline, []byte(workerArg)) {
			out = append(out, pid)
		}
	}
	return out
}

// watchWorkers records the PIDs of workers seen until stop is called.
func watchWorkers(t *testing.T) (stop func() map[int]bool) {
	seen := map[int]bool{}
	var mu sync.Mutex
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			for _, pid := range workerPIDs(t) {
				mu.Lock()
				seen[pid] = true
				mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return func() map[int]bool {
		close(done)
		wg.Wait()
		return seen
	}
}

func requireLinux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
}

// assertWorkersGone: every worker seen was waited for (its PID no longer
// exists, not even as a zombie) by the time the scan returned.
func assertWorkersGone(t *testing.T, seen map[int]bool) {
	t.Helper()
	if len(seen) == 0 {
		t.Fatal("no evaluation worker process was seen")
	}
	for pid := range seen {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
			t.Errorf("worker %d still exists after the scan returned", pid)
		}
	}
}

// TestHostileMemoryBombIsStopped: a root module whose evaluation wants
// terabytes is stopped at the memory limit and reported as TFR-EVAL; the
// root module beside it is reported; the scan ends quickly.
func TestHostileMemoryBombIsStopped(t *testing.T) {
	requireLinux(t)
	dir := writeTree(t, map[string]string{"bomb/main.tf": memoryBomb(), "good/main.tf": unencrypted})
	start := time.Now()
	rep, err := Scan(context.Background(), Options{Paths: []string{dir}, BaseDir: dir, WorkerCommand: testWorkerCommand(t),
		Limits: Limits{MaxEvalMemory: 256 << 20, MaxEvalTime: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("the scan took %s", took)
	}
	evals := find(rep, EvalRuleID, "bomb/main.tf", 1)
	if len(evals) != 1 || evals[0].Severity != finding.SeverityHigh || !strings.Contains(evals[0].Message, "memory") || !strings.Contains(evals[0].Message, "256 MiB") {
		t.Errorf("want one TFR-EVAL about memory on bomb/main.tf, got %+v", evals)
	}
	if len(find(rep, "AWS-0026", "good/main.tf", 3)) != 1 {
		t.Errorf("the other root module was not reported: %+v", rep.Findings)
	}
}

// TestHostileTimeLimitKillsWorker: past --max-eval-time the worker is
// killed, not abandoned: its process is gone when Scan returns.
func TestHostileTimeLimitKillsWorker(t *testing.T) {
	requireLinux(t)
	dir := writeTree(t, map[string]string{"bomb/main.tf": timeBomb, "good/main.tf": unencrypted})
	stop := watchWorkers(t)
	rep, err := Scan(context.Background(), Options{Paths: []string{dir}, BaseDir: dir, WorkerCommand: testWorkerCommand(t),
		Limits: Limits{MaxEvalTime: time.Second}})
	seen := stop()
	if err != nil {
		t.Fatal(err)
	}
	evals := find(rep, EvalRuleID, "bomb/main.tf", 1)
	if len(evals) != 1 || !strings.Contains(evals[0].Message, "--max-eval-time") {
		t.Errorf("want one TFR-EVAL about time on bomb/main.tf, got %+v", evals)
	}
	if len(find(rep, "AWS-0026", "good/main.tf", 3)) != 1 {
		t.Errorf("the other root module was not reported: %+v", rep.Findings)
	}
	assertWorkersGone(t, seen)
	if left := workerPIDs(t); len(left) != 0 {
		t.Errorf("workers left: %v", left)
	}
}

// TestHostileCrashIsContained: an evaluation that overflows the stack (a
// fatal error in Go; here a binary chain allowed through by a raised
// nesting limit) ends its worker only: the root module is TFR-EVAL naming
// the crash, the others are reported.
func TestHostileCrashIsContained(t *testing.T) {
	requireLinux(t)
	dir := writeTree(t, map[string]string{
		"crash/main.tf": "locals {\n  x = 1" + strings.Repeat("+1", 300000) + "\n}\n",
		"good/main.tf":  unencrypted,
		"good2/main.tf": unencrypted,
	})
	rep, err := Scan(context.Background(), Options{Paths: []string{dir}, BaseDir: dir, WorkerCommand: testWorkerCommand(t),
		Limits: Limits{MaxNesting: 1 << 30, MaxEvalMemory: 1 << 30, MaxEvalTime: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	evals := find(rep, EvalRuleID, "crash/main.tf", 1)
	if len(evals) != 1 || !strings.Contains(evals[0].Message, "crashed") || !strings.Contains(evals[0].Message, "stack") {
		t.Errorf("want one TFR-EVAL naming the crash on crash/main.tf, got %+v", evals)
	}
	for _, dir := range []string{"good", "good2"} {
		if len(find(rep, "AWS-0026", dir+"/main.tf", 3)) != 1 {
			t.Errorf("%s was not reported: %+v", dir, rep.Findings)
		}
	}
}

// TestHostileCancelLeavesNothing: a cancelled scan (SIGINT) returns with
// no worker process and no goroutine of it left.
func TestHostileCancelLeavesNothing(t *testing.T) {
	requireLinux(t)
	dir := writeTree(t, map[string]string{"a/main.tf": timeBomb, "b/main.tf": timeBomb})
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	stop := watchWorkers(t)
	go func() {
		// Cancel once a worker evaluates.
		for len(workerPIDs(t)) == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(500 * time.Millisecond)
		cancel()
	}()
	_, err := Scan(ctx, Options{Paths: []string{dir}, BaseDir: dir, WorkerCommand: testWorkerCommand(t), Limits: Limits{MaxEvalTime: time.Minute}})
	seen := stop()
	if err == nil {
		t.Fatal("a cancelled scan returned no error")
	}
	assertWorkersGone(t, seen)
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines before the scan, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// TestWorkersMatchInProcess: evaluating in workers gives the same report
// as evaluating in this process.
func TestWorkersMatchInProcess(t *testing.T) {
	for _, tree := range []string{"insecure", "multicloud", "ignores", "broken", "clean"} {
		t.Run(tree, func(t *testing.T) {
			dir, err := filepath.Abs(filepath.Join("..", "testdata", tree))
			if err != nil {
				t.Fatal(err)
			}
			opts := Options{Paths: []string{dir}, BaseDir: dir, Vars: map[string]string{"region": "eu-west-1"}, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			in, err := Scan(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			opts.WorkerCommand = testWorkerCommand(t)
			out, err := Scan(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := json.MarshalIndent(in, "", " ")
			b, _ := json.MarshalIndent(out, "", " ")
			if !bytes.Equal(a, b) {
				t.Errorf("reports differ:\nin process: %s\nworkers: %s", a, b)
			}
			if len(in.Findings) == 0 && tree != "clean" {
				t.Errorf("no findings in %s", tree)
			}
		})
	}
}

// TestWorkerEnvironHasNoToken: the process that evaluates the scanned code
// does not get the GitHub tokens.
func TestWorkerEnvironHasNoToken(t *testing.T) {
	env := workerEnviron([]string{"PATH=/bin", "GITHUB_TOKEN=ghp_x", "REVIEWDOG_GITHUB_API_TOKEN=y", "TF_VAR_a=b"})
	if strings.Join(env, " ") != "PATH=/bin TF_VAR_a=b" {
		t.Errorf("worker environment: %q", env)
	}
}

// TestWorkerCompileWaitIsNotCounted: a worker compiles Trivy's checks
// while it loads its first root module; the wait for them is not the root
// module's time, so a --max-eval-time shorter than the compile does not
// make it TFR-EVAL. The custom checks are a library of many functions:
// seconds to compile, nothing to evaluate.
func TestWorkerCompileWaitIsNotCounted(t *testing.T) {
	var lib strings.Builder
	lib.WriteString("package lib.slowtocompile\n\nimport rego.v1\n\n")
	for i := range 1500 {
		fmt.Fprintf(&lib, "f%d(x) := y if {\n\ty := [a | some a in x; a > %d]\n}\n\n", i, i)
	}
	checks := writeTree(t, map[string]string{"slow.rego": lib.String()})
	dir := writeTree(t, map[string]string{"main.tf": unencrypted})
	start := time.Now()
	rep, err := Scan(context.Background(), Options{Paths: []string{dir}, BaseDir: dir, WorkerCommand: testWorkerCommand(t),
		CustomChecks: checks, Limits: Limits{MaxEvalTime: 500 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("scan took %s", time.Since(start))
	if evals := find(rep, EvalRuleID, "main.tf", 1); len(evals) != 0 {
		t.Errorf("the compile wait was counted against the root module: %+v", evals)
	}
	if len(find(rep, "AWS-0026", "main.tf", 3)) != 1 {
		t.Errorf("AWS-0026 not reported: %+v", rep.Findings)
	}
}

// TestWorkerJobNotSentIsNotBlamed: a job whose worker crashed before the
// job was sent to it (here killed from outside, so for no reason of the
// pool's, with no job on it) is evaluated again, alone; it is not TFR-EVAL
// for a crash it was never part of. In a scan this is a job taken up just
// as another root module crashed the worker by itself.
func TestWorkerJobNotSentIsNotBlamed(t *testing.T) {
	requireLinux(t)
	p := newEvalPool(testWorkerCommand(t), withDefaults(Limits{}), slog.New(slog.DiscardHandler))
	w, err := p.start()
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(w.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-w.done
	_, o, f, err := p.call(context.Background(), w, evalRequest{Job: &evalJob{Root: "good"}}, time.Minute, false)
	if err != nil || o != alone {
		t.Errorf("a job never sent to the crashed worker: outcome %d, failure %+v, error %v; want it evaluated again alone (%d)", o, f, err, alone)
	}
}

// TestWorkerEndingBeforeEveryJobIsBounded: a worker that takes the tree
// but ends before it reads any job is not started again forever: the job
// is evaluated again alone once, then TFR-EVAL.
func TestWorkerEndingBeforeEveryJobIsBounded(t *testing.T) {
	requireLinux(t)
	t.Setenv(testWorkerFaultEnv, "close-input-after-tree")
	p := newEvalPool(testWorkerCommand(t), withDefaults(Limits{}), slog.New(slog.DiscardHandler))
	defer p.close()
	dir := writeTree(t, map[string]string{"main.tf": unencrypted})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stop := watchWorkers(t)
	var failures []*evalFailure
	err := p.evaluate(ctx, &evalTree{Abs: dir, Sources: map[string][]byte{"main.tf": []byte(unencrypted)}}, []evalJob{{Root: "."}},
		func(_ int, _ evalReply, f *evalFailure) { failures = append(failures, f) })
	seen := stop()
	if err != nil {
		t.Fatalf("evaluate: %v (after %d workers)", err, len(seen))
	}
	if len(failures) != 1 || failures[0] == nil || failures[0].kind != "crash" {
		t.Errorf("want the job TFR-EVAL (crash), got %+v", failures)
	}
	if len(seen) > 3 {
		t.Errorf("%d workers started for one job", len(seen))
	}
}

// TestWorkerCancelDuringTreeSend: a scan cancelled while it writes the tree
// to a worker that does not read returns at once and kills that worker.
func TestWorkerCancelDuringTreeSend(t *testing.T) {
	requireLinux(t)
	t.Setenv(testWorkerFaultEnv, "stall")
	p := newEvalPool(testWorkerCommand(t), withDefaults(Limits{}), slog.New(slog.DiscardHandler))
	defer p.close()
	// More than a pipe holds, so the write waits for the worker.
	src := strings.Repeat("# a comment long enough that the tree does not fit in a pipe\n", 5000) + unencrypted
	dir := writeTree(t, map[string]string{"main.tf": src})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	stop := watchWorkers(t)
	start := time.Now()
	err := p.evaluate(ctx, &evalTree{Abs: dir, Sources: map[string][]byte{"main.tf": []byte(src)}}, []evalJob{{Root: "."}},
		func(int, evalReply, *evalFailure) { t.Error("a job of a cancelled scan finished") })
	took := time.Since(start)
	seen := stop()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("evaluate: %v, want context.Canceled", err)
	}
	if took > 2*time.Second {
		t.Errorf("evaluate returned %s after it was cancelled", took-300*time.Millisecond)
	}
	assertWorkersGone(t, seen)
}
