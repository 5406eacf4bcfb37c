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
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// evalPool supervises the worker process that evaluates root modules,
// up to GOMAXPROCS of them at once (one process: Trivy's checks are
// compiled once and held once). A root module that passes the time limit,
// or whose worker passes the memory limit or crashes (a stack overflow is
// fatal in Go), costs only that worker, which is killed; a fresh one takes
// the next root modules. The other root modules that were evaluating in
// the killed worker are evaluated again: after a time limit, as before;
// after a crash or the memory limit, where the culprit is unknown, each
// alone, so that only the root module that fails by itself is TFR-EVAL and
// the memory limit stays one root module's.
type evalPool struct {
	argv   []string
	limits Limits
	logger *slog.Logger

	mu     sync.Mutex // proc, gen, closed
	proc   *evalProc  // the current worker; nil or dead: start one
	gen    int
	closed bool
	// alone: jobs hold it shared; a job evaluated again after a crash
	// holds it exclusively, so that it runs alone.
	alone sync.RWMutex
	// evaluating: one evaluate at a time (the worker holds one tree).
	evaluating sync.Mutex
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
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	sendMu sync.Mutex // enc
	enc    *gob.Encoder
	stderr *headBuffer
	tree   int // generation of the tree it holds (under evalPool.mu)

	mu      sync.Mutex
	nextID  int
	pending map[int]chan evalReply // closed when the worker ends
	killed  *evalKill              // why the pool killed it, if it did
	// Set when the worker's output ended, before pending is closed:
	running int           // jobs it was evaluating then
	failure *evalFailure  // why it ended (when the pool did not kill it)
	done    chan struct{} // closed once it has been waited for
}

// evalKill is why the pool killed a worker.
type evalKill struct {
	job  int // the job whose limit it passed; 0: none in particular
	kind string
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
	w := &evalProc{cmd: cmd, stdin: stdin, enc: gob.NewEncoder(stdin), stderr: &headBuffer{max: 4096},
		pending: map[int]chan evalReply{}, done: make(chan struct{})}
	cmd.Stderr = w.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start evaluation worker: %w", err)
	}
	go w.read(stdout)
	return w, nil
}

// read hands each reply to the request waiting for it; when the worker's
// output ends it waits for the process, records why it ended, and closes
// every pending channel.
func (w *evalProc) read(stdout io.Reader) {
	dec := gob.NewDecoder(stdout)
	for {
		var r evalReply
		if err := dec.Decode(&r); err != nil {
			break
		}
		w.mu.Lock()
		ch := w.pending[r.ID]
		w.mu.Unlock()
		if ch != nil {
			// Buffered for the interim replies and the reply; the job's
			// goroutine reads until the reply.
			ch <- r
		}
	}
	w.stdin.Close()
	err := w.cmd.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.running = len(w.pending)
	if w.killed == nil {
		w.failure = exitFailure(err, w.stderr)
	}
	for id, ch := range w.pending {
		close(ch)
		delete(w.pending, id)
	}
	close(w.done)
}

// exitFailure says why a worker that ended by itself did.
func exitFailure(err error, stderr *headBuffer) *evalFailure {
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == exitMemory {
		return &evalFailure{kind: "memory"}
	}
	line := stderr.firstLine()
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

// kill stops the worker (and any process it started) for k; the first
// reason given is kept.
func (w *evalProc) kill(k evalKill) {
	w.mu.Lock()
	select {
	case <-w.done:
		// Waited for already: its PID (and process group) may belong to
		// another process by now.
		w.mu.Unlock()
		return
	default:
	}
	if w.killed == nil {
		w.killed = &k
	}
	w.mu.Unlock()
	killChild(w.cmd)
}

// dead tells whether the worker ended or is being killed.
func (w *evalProc) dead() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case <-w.done:
		return true
	default:
	}
	return w.killed != nil
}

// stop kills the worker and waits for it.
func (w *evalProc) stop() {
	w.kill(evalKill{kind: "stop"})
	<-w.done
}

// register reserves a request ID and the channel its replies come on; nil
// when the worker has ended.
func (w *evalProc) register() (int, chan evalReply) {
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case <-w.done:
		return 0, nil
	default:
	}
	w.nextID++
	ch := make(chan evalReply, 4)
	w.pending[w.nextID] = ch
	return w.nextID, ch
}

func (w *evalProc) unregister(id int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.pending, id)
}

func (w *evalProc) send(req *evalRequest) error {
	w.sendMu.Lock()
	defer w.sendMu.Unlock()
	return w.enc.Encode(req)
}

// outcome is how a request on a worker ended.
type outcome int

const (
	answered outcome = iota // the reply is in hand
	failed                  // the job is TFR-EVAL: the failure says why
	again                   // the worker was killed for another job: evaluate it again
	alone                   // the worker ended, culprit unknown: evaluate it again, alone
)

// call sends req (a tree: timeout 0) and waits for its reply within
// timeout, the memory limit and ctx. isolated says the job is the only one
// on the worker. On a failure the worker is killed.
func (p *evalPool) call(ctx context.Context, w *evalProc, req evalRequest, timeout time.Duration, isolated bool) (evalReply, outcome, *evalFailure, error) {
	id, ch := w.register()
	if ch == nil {
		return p.notSent(w, isolated)
	}
	defer w.unregister(id)
	req.ID = id
	// A worker that does not read (still starting, or stuck) must not
	// keep a cancelled scan waiting on the write.
	stop := context.AfterFunc(ctx, func() { w.kill(evalKill{kind: "cancel"}) })
	err := w.send(&req)
	stop()
	if err != nil {
		if ctx.Err() != nil {
			<-w.done
			return evalReply{}, failed, nil, ctx.Err()
		}
		// The worker ended (or stopped reading) before it read the
		// request. Killed with no reason of the pool's, so that the jobs
		// evaluating on it learn why it ended.
		killChild(w.cmd)
		return p.notSent(w, isolated)
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
		case r, ok := <-ch:
			if !ok {
				return p.ended(w, id, isolated)
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
			return r, answered, nil, nil
		case <-timer:
			w.kill(evalKill{job: id, kind: "time"})
			<-w.done
			return evalReply{}, failed, &evalFailure{kind: "time"}, nil
		case <-poll.C:
			// A backstop to the worker's own watchdog, which sees only
			// the Go runtime's memory and can be starved.
			if rss, ok := residentBytes(w.cmd.Process.Pid); ok && rss > p.limits.MaxEvalMemory {
				w.kill(evalKill{kind: "memory"})
				<-w.done
				return p.ended(w, id, isolated)
			}
		case <-ctx.Done():
			w.kill(evalKill{kind: "cancel"})
			<-w.done
			return evalReply{}, failed, nil, ctx.Err()
		}
	}
}

// ended says what a request whose worker ended means for its job.
func (p *evalPool) ended(w *evalProc, id int, isolated bool) (evalReply, outcome, *evalFailure, error) {
	<-w.done
	w.mu.Lock()
	killed, failure, running := w.killed, w.failure, w.running
	w.mu.Unlock()
	switch {
	case killed != nil && killed.kind == "memory":
		failure = &evalFailure{kind: "memory"}
	case killed != nil && killed.job != id:
		// Killed for another job's time limit, or stopped: not this
		// job's doing.
		return evalReply{}, again, nil, nil
	}
	if failure == nil {
		failure = &evalFailure{kind: "crash", detail: "the worker ended without answering"}
	}
	if isolated || running <= 1 {
		return evalReply{}, failed, failure, nil
	}
	return evalReply{}, alone, nil, nil
}

// notSent says what a request its worker never read means for its job:
// the worker's end is not its doing, so it is evaluated again (alone,
// when the culprit is unknown). A job already alone takes the failure, so
// that a worker which always ends before reading a job is not started
// again forever.
func (p *evalPool) notSent(w *evalProc, isolated bool) (evalReply, outcome, *evalFailure, error) {
	// -1: no kill was for this request.
	r, o, f, err := p.ended(w, -1, isolated)
	if o == failed && !isolated {
		return evalReply{}, alone, nil, nil
	}
	return r, o, f, err
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

// worker returns the current worker, holding tree, starting one (and
// sending it the tree) when there is none or it has ended.
func (p *evalPool) worker(ctx context.Context, tree *evalTree) (*evalProc, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if p.closed {
			return nil, errors.New("scanner closed")
		}
		if err := ctx.Err(); err != nil {
			// No worker is started for a cancelled scan.
			return nil, err
		}
		if p.proc == nil || p.proc.dead() {
			w, err := p.start()
			if err != nil {
				return nil, err
			}
			p.proc = w
		}
		w := p.proc
		if w.tree == tree.Gen {
			return w, nil
		}
		r, o, f, err := p.call(ctx, w, evalRequest{Tree: tree}, 0, false)
		switch {
		case err != nil:
			return nil, err
		case o == answered && r.Err != "":
			w.stop()
			return nil, errors.New(r.Err)
		case o == answered:
			w.tree = tree.Gen
			return w, nil
		case attempt > 0:
			// A fresh worker that cannot even take the tree.
			detail := "it ended"
			if f != nil {
				detail = f.kind + " " + f.detail
			}
			return nil, fmt.Errorf("evaluation worker: %s", strings.TrimSpace(detail))
		}
	}
}

// warm starts the worker ahead of the first evaluation, so that its start
// (a Go program of Trivy's size initialising) overlaps the scan's reading
// and parsing. A worker that cannot start is not an error here: worker
// tries again and reports it.
func (p *evalPool) warm() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.proc != nil {
		return
	}
	if w, err := p.start(); err == nil {
		p.proc = w
	}
}

// close stops the worker; scans must have returned.
func (p *evalPool) close() {
	p.mu.Lock()
	w := p.proc
	p.proc, p.closed = nil, true
	p.mu.Unlock()
	if w != nil {
		w.stop()
	}
}

// evaluate runs jobs, up to min(GOMAXPROCS, len(jobs)) at once, and calls
// done(i, reply, failure) for each job that the worker finished or that
// failed. It returns the first error (a reply's Err, a worker that cannot
// start, ctx).
func (p *evalPool) evaluate(ctx context.Context, tree *evalTree, jobs []evalJob, done func(i int, r evalReply, f *evalFailure)) error {
	p.evaluating.Lock()
	defer p.evaluating.Unlock()
	p.mu.Lock()
	p.gen++
	tree.Gen = p.gen
	p.mu.Unlock()
	return forEachRoot(ctx, len(jobs), func(ctx context.Context, i int) error {
		return p.runJob(ctx, tree, &jobs[i], func(r evalReply, f *evalFailure) { done(i, r, f) })
	})
}

// runJob evaluates one job, again if its worker is killed for another
// job, and alone if it ended with the culprit unknown.
func (p *evalPool) runJob(ctx context.Context, tree *evalTree, job *evalJob, done func(evalReply, *evalFailure)) error {
	isolated := false
	for {
		r, o, f, err := p.runOnce(ctx, tree, job, isolated)
		switch {
		case err != nil:
			return err
		case o == answered && r.Err != "":
			return errors.New(r.Err)
		case o == answered:
			done(r, nil)
			return nil
		case o == failed:
			done(evalReply{}, f)
			return nil
		case o == alone:
			isolated = true
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

func (p *evalPool) runOnce(ctx context.Context, tree *evalTree, job *evalJob, isolated bool) (evalReply, outcome, *evalFailure, error) {
	if isolated {
		p.alone.Lock()
		defer p.alone.Unlock()
	} else {
		p.alone.RLock()
		defer p.alone.RUnlock()
	}
	w, err := p.worker(ctx, tree)
	if err != nil {
		return evalReply{}, failed, nil, err
	}
	return p.call(ctx, w, evalRequest{Job: job}, p.limits.MaxEvalTime, isolated)
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
