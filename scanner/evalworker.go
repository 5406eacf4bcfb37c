package scanner

import (
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"time"

	"github.com/tfreview/tfreview/internal/trivyadapter"
)

// An evaluation worker is this program run again with workerArg as its only
// argument and workerEnv=1 in its environment: both are set by the scan
// that starts it, and neither can come from a scanned tree.
const (
	workerArg       = "__tfreview-evaluation-worker"
	workerEnv       = "TFREVIEW_EVALUATION_WORKER"
	workerMemoryEnv = "TFREVIEW_EVALUATION_WORKER_MEMORY" // bytes
	// exitMemory is the worker's exit code when its own watchdog finds it
	// over the memory limit.
	exitMemory = 86
	// memoryPoll is how often the worker and the scan look at the
	// worker's memory.
	memoryPoll = 25 * time.Millisecond
	// workerGCPercent is a worker's GOGC unless the environment sets one.
	workerGCPercent = 200
)

// WorkerCommand is the argv that starts an evaluation worker of the
// program at executable, for Options.WorkerCommand.
func WorkerCommand(executable string) []string {
	return []string{executable, workerArg}
}

// IsWorkerInvocation tells whether a program started with args (os.Args)
// is an evaluation worker; main then calls RunWorker and exits with its
// result, before parsing any flag.
func IsWorkerInvocation(args []string) bool {
	return len(args) == 2 && args[1] == workerArg && os.Getenv(workerEnv) == "1"
}

// RunWorker serves evaluation requests from stdin on stdout until stdin
// ends, and returns the exit code.
func RunWorker() int {
	proto := os.Stdout
	// Whatever else would print to stdout must not corrupt the replies.
	os.Stdout = os.Stderr
	if os.Getenv("GOGC") == "" {
		// A worker's live heap is small (one root module and the compiled
		// checks), so with Go's default the collector runs after every few
		// tens of megabytes allocated: a quarter of a worker's CPU on the
		// bench's large corpus. Twice the default cut a worker's CPU by
		// about a sixth for about 40 MiB more each (docs/performance.md);
		// the memory limit below still bounds it.
		debug.SetGCPercent(workerGCPercent)
	}
	if limit, err := strconv.ParseInt(os.Getenv(workerMemoryEnv), 10, 64); err == nil && limit > 0 {
		// The garbage collector works harder near the limit; past it, the
		// watchdog ends the worker with a code the scan recognises.
		debug.SetMemoryLimit(limit)
		// Runaway recursion (a stack overflow is fatal) ends as a crash
		// well before the stack alone reaches the memory limit.
		debug.SetMaxStack(int(min(limit/4, 1<<30)))
		go memoryWatchdog(limit)
	}
	if err := serveEvaluations(os.Stdin, proto); err != nil {
		fmt.Fprintln(os.Stderr, "tfreview evaluation worker:", err)
		return 1
	}
	return 0
}

// memoryWatchdog exits the process when the memory the Go runtime holds
// from the system passes limit.
func memoryWatchdog(limit int64) {
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	for {
		metrics.Read(samples)
		if used := int64(samples[0].Value.Uint64() - samples[1].Value.Uint64()); used > limit {
			fmt.Fprintf(os.Stderr, "tfreview evaluation worker: %d bytes in use, over the limit of %d\n", used, limit)
			os.Exit(exitMemory)
		}
		time.Sleep(memoryPoll)
	}
}

// serveEvaluations answers each request read from in with one reply on
// out (jobs possibly preceded by interim replies). Jobs run concurrently;
// a tree is set once the jobs before it have answered.
func serveEvaluations(in io.Reader, out io.Writer) error {
	dec, enc := gob.NewDecoder(in), gob.NewEncoder(out)
	w := &evalWorker{engines: &engineCache{}}
	defer w.closeTree()
	var (
		mu      sync.Mutex // enc, sendErr
		sendErr error
		jobs    sync.WaitGroup
	)
	send := func(r *evalReply) {
		mu.Lock()
		defer mu.Unlock()
		if sendErr == nil {
			if err := enc.Encode(r); err != nil {
				sendErr = fmt.Errorf("write reply: %w", err)
			}
		}
	}
	failed := func() error {
		mu.Lock()
		defer mu.Unlock()
		return sendErr
	}
	defer jobs.Wait()
	for {
		var req evalRequest
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				jobs.Wait()
				return failed()
			}
			return fmt.Errorf("read request: %w", err)
		}
		switch {
		case req.Tree != nil:
			jobs.Wait()
			reply := w.setTree(req.Tree)
			reply.ID = req.ID
			send(&reply)
		case req.Job != nil:
			jobs.Add(1)
			go func(id int, job *evalJob) {
				defer jobs.Done()
				reply := w.evaluate(job, func(waiting bool) {
					// An interim reply: the scan stops (or restarts) the
					// root module's clock while the checks compile.
					send(&evalReply{ID: id, WaitStart: waiting, WaitEnd: !waiting})
				})
				reply.ID = id
				send(&reply)
			}(req.ID, req.Job)
		default:
			return errors.New("empty request")
		}
		if err := failed(); err != nil {
			return err
		}
	}
}

// evalWorker is the state of one worker process: the tree it evaluates
// root modules of, and the compiled checks.
type evalWorker struct {
	engines      *engineCache
	tree         *evalTree
	root         *os.Root
	fsys         *overlayFS
	closeModules func()
}

func (w *evalWorker) closeTree() {
	if w.root != nil {
		w.root.Close()
	}
	if w.closeModules != nil {
		w.closeModules()
	}
	w.root, w.fsys, w.tree, w.closeModules = nil, nil, nil, nil
}

// setTree rebuilds the scan's view of the files and starts compiling the
// checks, which goes on while the first root module loads (the scan does
// not count the wait for it against a root module: see evaluate).
func (w *evalWorker) setTree(t *evalTree) evalReply {
	w.closeTree()
	root, err := os.OpenRoot(t.Abs)
	if err != nil {
		return evalReply{Err: fmt.Sprintf("open %s: %v", t.Abs, err)}
	}
	ov := newOverlay(root.FS())
	for _, p := range t.Hidden {
		ov.hidden[p] = true
	}
	for file, edits := range t.Edits {
		for _, e := range edits {
			ov.edit(file, t.Sources[file], edit{e.Start, e.End, e.Text})
		}
	}
	ov.seal()
	w.root, w.fsys, w.tree = root, ov, t
	if t.Modules != nil {
		view, closeModules, err := moduleViewFromWire(t.Modules)
		if err != nil {
			return evalReply{Err: err.Error()}
		}
		ov.modules, w.closeModules = view, closeModules
	}
	if t.Engine != nil {
		// A compile error is the first job's.
		go func(opts trivyadapter.EngineOptions) { _, _ = w.engines.get(opts) }(*t.Engine)
	}
	return evalReply{Ready: true}
}

// evaluate is scanRoot in the worker; waiting(true) and waiting(false)
// bracket the wait for the compiled checks.
func (w *evalWorker) evaluate(job *evalJob, waiting func(bool)) evalReply {
	t := w.tree
	if t == nil {
		return evalReply{Err: "job before tree"}
	}
	var logs []wireLog
	opts := Options{Checks: t.Checks, DisabledChecks: t.DisabledChecks, Vars: t.Vars, Limits: Limits{MaxFileSize: t.MaxFileSize},
		Logger: slog.New(logCollector{level: t.LogLevel, records: &logs})}
	var engine func() (*trivyadapter.Engine, error)
	if t.Engine != nil {
		eopts := *t.Engine
		engine = func() (*trivyadapter.Engine, error) { return w.engines.get(eopts) }
	}
	res := rootResult{varFiles: job.VarFiles}
	if err := scanRoot(context.Background(), w.fsys, t.Abs, job.Root, t.Sources, nil, opts, engine, &res, func(on bool) { waiting(!on) }); err != nil {
		return evalReply{Err: err.Error()}
	}
	reply := evalReply{Notes: res.notes, ExtraSources: res.extraSources, Resources: res.resources, Findings: res.findings,
		Helm: helmToWire(res.helm), Logs: logs}
	if res.model != nil {
		reply.Model = toWire(res.model)
	}
	return reply
}
