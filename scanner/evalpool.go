package scanner

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
)

// evalPool supervises the worker processes that evaluate root modules: a
// root module that passes the time or memory limit, or crashes its worker
// (a stack overflow is fatal in Go), costs only that worker, which is
// killed; a fresh one takes the next root module.
type evalPool struct {
	argv   []string
	limits Limits
	logger *slog.Logger

	mu     sync.Mutex
	idle   []*evalProc
	gen    int
	closed bool
}

func newEvalPool(argv []string, limits Limits, logger *slog.Logger) *evalPool {
	return &evalPool{argv: argv, limits: limits, logger: logger}
}

// evalFailure is why a worker did not answer: the root module is then
// TFR-EVAL.
type evalFailure struct {
	kind   string // "time", "memory" or "crash"
	detail string // for a crash, the first line the worker printed
}

// evalProc is one worker process.
type evalProc struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	enc     *gob.Encoder
	replies chan evalReply // closed when the worker's stdout ends
	stderr  *headBuffer
	tree    int // generation of the tree it holds
	stopped bool
}

func (p *evalPool) start() (*evalProc, error) {
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Env = append(workerEnviron(os.Environ()), workerEnv+"=1", workerMemoryEnv+"="+strconv.FormatInt(p.limits.MaxEvalMemory, 10))
	cmd.Dir = os.TempDir()
	superviseChild(cmd)
	// Helpers a worker may start (git, with --download-modules) must not
	// keep Wait waiting on its output once it is killed.
	cmd.WaitDelay = time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("evaluation worker: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("evaluation worker: %w", err)
	}
	w := &evalProc{cmd: cmd, stdin: stdin, enc: gob.NewEncoder(stdin), replies: make(chan evalReply, 1), stderr: &headBuffer{max: 4096}}
	cmd.Stderr = w.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start evaluation worker: %w", err)
	}
	go func() {
		// One request is outstanding at a time, so the buffered channel
		// never blocks this loop for long: it ends with the process.
		defer close(w.replies)
		dec := gob.NewDecoder(stdout)
		for {
			var r evalReply
			if err := dec.Decode(&r); err != nil {
				return
			}
			w.replies <- r
		}
	}()
	return w, nil
}

// stop kills the worker (and any process it started) and waits for it and
// for the goroutine reading its replies.
func (w *evalProc) stop() {
	if w.stopped {
		return
	}
	w.stopped = true
	killChild(w.cmd)
	w.stdin.Close()
	for range w.replies {
	}
	// Killed: the exit status says nothing more.
	_ = w.cmd.Wait()
}

// exited waits for a worker whose output ended by itself and says why.
func (w *evalProc) exited() *evalFailure {
	w.stopped = true
	w.stdin.Close()
	for range w.replies {
	}
	err := w.cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == exitMemory {
		return &evalFailure{kind: "memory"}
	}
	line := w.stderr.firstLine()
	if strings.Contains(line, "out of memory") {
		return &evalFailure{kind: "memory"}
	}
	if line == "" && err != nil {
		line = err.Error()
	}
	if line == "" {
		line = "the worker ended without answering"
	}
	return &evalFailure{kind: "crash", detail: line}
}

// call sends req and waits for the reply within timeout (none if 0), the
// memory limit and ctx. On a failure or an error the worker is stopped.
func (p *evalPool) call(ctx context.Context, w *evalProc, req evalRequest, timeout time.Duration) (evalReply, *evalFailure, error) {
	if err := w.enc.Encode(&req); err != nil {
		// The worker died before it read the request.
		return evalReply{}, w.exited(), nil
	}
	var (
		timer <-chan time.Time
		t     *time.Timer
	)
	if timeout > 0 {
		t = time.NewTimer(timeout)
		defer t.Stop()
		timer = t.C
	}
	poll := time.NewTicker(memoryPoll)
	defer poll.Stop()
	for {
		select {
		case r, ok := <-w.replies:
			if !ok {
				return evalReply{}, w.exited(), nil
			}
			switch {
			case r.WaitStart:
				// Compiling the checks is not the root module's time.
				if t != nil {
					t.Stop()
				}
				continue
			case r.WaitEnd:
				if t != nil {
					t.Reset(timeout)
				}
				continue
			}
			return r, nil, nil
		case <-timer:
			w.stop()
			return evalReply{}, &evalFailure{kind: "time"}, nil
		case <-poll.C:
			// A backstop to the worker's own watchdog, which sees only
			// the Go runtime's memory and can be starved.
			if rss, ok := residentBytes(w.cmd.Process.Pid); ok && rss > p.limits.MaxEvalMemory {
				w.stop()
				return evalReply{}, &evalFailure{kind: "memory"}, nil
			}
		case <-ctx.Done():
			w.stop()
			return evalReply{}, nil, ctx.Err()
		}
	}
}

// secretEnv are variables a worker never needs: it evaluates the scanned
// code, so the GitHub tokens stay in the scan.
var secretEnv = []string{"GITHUB_TOKEN", "REVIEWDOG_GITHUB_API_TOKEN", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"}

// workerEnviron is env without secretEnv.
func workerEnviron(env []string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(secretEnv, name) {
			out = append(out, kv)
		}
	}
	return out
}

// warm starts a worker ahead of the first evaluation, so that its start
// (a Go program of Trivy's size initialising) overlaps the scan's reading
// and parsing. A worker that cannot start is not an error here: acquire
// tries again and reports it.
func (p *evalPool) warm() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) > 0 {
		return
	}
	if w, err := p.start(); err == nil {
		p.idle = append(p.idle, w)
	}
}

// acquire returns an idle worker or starts one.
func (p *evalPool) acquire() (*evalProc, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errors.New("scanner closed")
	}
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return w, nil
	}
	p.mu.Unlock()
	return p.start()
}

// release keeps a live worker for the next job.
func (p *evalPool) release(w *evalProc) {
	if w.stopped {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		w.stop()
		return
	}
	p.idle = append(p.idle, w)
}

// close stops every idle worker; busy ones are stopped by the scans that
// hold them, which return before Close is called.
func (p *evalPool) close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, w := range idle {
		w.stop()
	}
}

// evaluate runs jobs on up to min(GOMAXPROCS, len(jobs)) workers and calls
// done(i, reply, failure) for each job that a worker finished or failed. It
// returns the first error (a reply's Err, a worker that cannot start, ctx);
// when it returns, every worker it used is idle or stopped.
func (p *evalPool) evaluate(ctx context.Context, tree *evalTree, jobs []evalJob, done func(i int, r evalReply, f *evalFailure)) error {
	p.mu.Lock()
	p.gen++
	tree.Gen = p.gen
	p.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) { errOnce.Do(func() { firstErr = err; cancel() }) }
	for range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var w *evalProc
			defer func() {
				if w != nil {
					p.release(w)
				}
			}()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) || ctx.Err() != nil {
					return
				}
				var err error
				if w, err = p.runJob(ctx, w, tree, &jobs[i], func(r evalReply, f *evalFailure) { done(i, r, f) }); err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// runJob runs one job on w (nil: a new or idle worker) and returns the
// worker to use next (nil when it was stopped).
func (p *evalPool) runJob(ctx context.Context, w *evalProc, tree *evalTree, job *evalJob, done func(evalReply, *evalFailure)) (*evalProc, error) {
	if w == nil {
		var err error
		if w, err = p.acquire(); err != nil {
			return nil, err
		}
	}
	if w.tree != tree.Gen {
		r, f, err := p.call(ctx, w, evalRequest{Tree: tree}, 0)
		if err != nil {
			return nil, err
		}
		if f != nil {
			done(evalReply{}, f)
			return nil, nil
		}
		if r.Err != "" {
			w.stop()
			return nil, errors.New(r.Err)
		}
		w.tree = tree.Gen
	}
	r, f, err := p.call(ctx, w, evalRequest{Job: job}, p.limits.MaxEvalTime)
	if err != nil {
		return nil, err
	}
	if f != nil {
		done(evalReply{}, f)
		return nil, nil
	}
	if r.Err != "" {
		w.stop()
		return nil, errors.New(r.Err)
	}
	done(r, nil)
	return w, nil
}

// headBuffer keeps the first max bytes written to it.
type headBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (h *headBuffer) Write(b []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if room := h.max - h.buf.Len(); room > 0 {
		h.buf.Write(b[:min(room, len(b))])
	}
	return len(b), nil
}

// firstLine is the first non-empty line written, printable, at most 200
// characters: a panic message can quote the scanned code.
func (h *headBuffer) firstLine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	for line := range strings.Lines(h.buf.String()) {
		line = strings.Map(func(r rune) rune {
			if unicode.IsPrint(r) {
				return r
			}
			return -1
		}, strings.TrimSpace(line))
		if line == "" {
			continue
		}
		if r := []rune(line); len(r) > 200 {
			line = string(r[:200]) + "…"
		}
		return line
	}
	return ""
}
