// Package gitexec is the one way tfreview runs git. The repository is
// untrusted (a pull request controls .gitattributes, and a checkout may
// come with any .git/config), so git runs with everything that could
// execute a program the repository names turned off: hooks, fsmonitor,
// external diff and textconv drivers, clean/smudge/process filters (LFS
// included), pagers, credential helpers, ssh commands, transports and
// submodule recursion; prompts are off, system config and GIT_*
// variables from the environment are not read, and every command has a
// deadline.
package gitexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// DefaultTimeout bounds one git command when Runner.Timeout is zero.
const DefaultTimeout = 10 * time.Minute

// hardening is passed before every command. Settings that name a program
// are emptied or pointed at nothing; output settings are pinned for
// parsing.
var hardening = []string{
	"--no-pager",
	"-c", "core.hooksPath=/dev/null",
	"-c", "core.fsmonitor=false",
	"-c", "core.sshCommand=false",
	"-c", "core.gitProxy=",
	"-c", "core.askPass=",
	"-c", "core.pager=cat",
	"-c", "core.editor=false",
	"-c", "core.attributesFile=/dev/null",
	"-c", "credential.helper=",
	"-c", "diff.external=",
	"-c", "protocol.allow=never",
	"-c", "protocol.file.allow=never",
	"-c", "submodule.recurse=false",
	"-c", "fetch.recurseSubmodules=false",
	"-c", "diff.ignoreSubmodules=all",
	"-c", "log.showSignature=false",
	"-c", "gpg.program=false",
	"-c", "core.quotePath=false",
	"-c", "color.ui=false",
	"-c", "diff.noprefix=false",
	"-c", "diff.mnemonicPrefix=false",
	"-c", "diff.relative=false",
}

// diffCommands produce patches, which can run external diff and textconv
// drivers.
var diffCommands = map[string]bool{
	"diff": true, "diff-index": true, "diff-tree": true, "diff-files": true,
	"log": true, "show": true, "format-patch": true,
}

// keptEnv are the GIT_* variables passed through: they only narrow what
// git does (where discovery stops) or name the user's own configuration.
var keptEnv = map[string]bool{
	"GIT_CEILING_DIRECTORIES": true,
	"GIT_CONFIG_GLOBAL":       true,
}

// Runner runs git in one directory. Create it with New, which finds the
// filter drivers the configuration defines so they can be disabled.
type Runner struct {
	// Dir is the working directory of every command.
	Dir string
	// Timeout bounds each command; DefaultTimeout when zero.
	Timeout time.Duration

	// noFilters empties every filter driver the configuration defines:
	// git has no switch to ignore .gitattributes' filter=, and a driver
	// runs on `git diff` against the work tree (clean) as on checkout
	// (smudge).
	noFilters []string
	// transport, when set, lets this runner fetch (see NewFetcher).
	transport *Transport
}

// Transport says which protocols a fetching runner may use: https and
// ssh always; the others only when the caller allows them.
type Transport struct {
	// HTTP allows plain http (the caller checks the host is loopback:
	// git's own redirects stay within the allowed protocols).
	HTTP bool
	// File allows file:// and local paths.
	File bool
}

// remoteKept are the hardening settings a fetching runner does not pass:
// it may use the user's own credential helpers and ssh command (from the
// user's global configuration, never a scanned repository's: it runs in a
// repository it created) and the transports Transport allows.
var remoteKept = map[string]bool{
	"credential.helper=":        true,
	"core.sshCommand=false":     true,
	"protocol.file.allow=never": true,
}

// NewFetcher returns a Runner for dir, a repository the caller created
// (git init), that may fetch over t's protocols with the user's
// credentials; everything else stays as hardened as New's.
func NewFetcher(ctx context.Context, dir string, t Transport) (*Runner, error) {
	r, err := New(ctx, dir)
	if err != nil {
		return nil, err
	}
	r.transport = &t
	return r, nil
}

// settings is the hardening this runner passes before every command.
func (r *Runner) settings() []string {
	if r.transport == nil {
		return hardening
	}
	out := make([]string, 0, len(hardening)+8)
	for i := 0; i < len(hardening); i++ {
		if hardening[i] == "-c" && i+1 < len(hardening) && remoteKept[hardening[i+1]] {
			i++
			continue
		}
		out = append(out, hardening[i])
	}
	out = append(out, "-c", "protocol.https.allow=always", "-c", "protocol.ssh.allow=always")
	if r.transport.HTTP {
		out = append(out, "-c", "protocol.http.allow=always")
	}
	if r.transport.File {
		out = append(out, "-c", "protocol.file.allow=always")
	} else {
		out = append(out, "-c", "protocol.file.allow=never")
	}
	return out
}

// New returns a Runner for dir. It reads the configuration once (a
// read, nothing runs) to name the filter drivers to disable. The error
// wraps exec.ErrNotFound when git is missing.
func New(ctx context.Context, dir string) (*Runner, error) {
	r := &Runner{Dir: dir}
	out, err := r.Run(ctx, "config", "-z", "--name-only", "--get-regexp", `^filter\..*\.(clean|smudge|process|required)$`)
	if err != nil && ExitCode(err) != 1 { // 1: no such setting, or not a repository
		if errors.Is(err, exec.ErrNotFound) || ctx.Err() != nil {
			return nil, err
		}
		// Unreadable config: git itself will fail on it with a better
		// message on the next command.
	}
	seen := map[string]bool{}
	for _, key := range strings.Split(string(out), "\x00") {
		name, ok := filterName(key)
		if !ok || seen[name] {
			continue
		}
		seen[name] = true
		r.noFilters = append(r.noFilters,
			"-c", "filter."+name+".clean=",
			"-c", "filter."+name+".smudge=",
			"-c", "filter."+name+".process=",
			"-c", "filter."+name+".required=false")
	}
	return r, nil
}

// filterName is the subsection of a filter.<name>.<key> setting.
func filterName(key string) (string, bool) {
	key = strings.TrimSpace(key)
	rest, ok := strings.CutPrefix(key, "filter.")
	if !ok {
		return "", false
	}
	i := strings.LastIndexByte(rest, '.')
	if i <= 0 {
		return "", false
	}
	name := rest[:i]
	// A name that would break out of the -c argument cannot be passed
	// safely; git itself never writes one.
	if strings.ContainsAny(name, "=\n\x00") {
		return "", false
	}
	return name, true
}

// Command is git args in r.Dir, hardened, with a cleaned environment.
// The caller bounds it with ctx (Run adds r's timeout).
func (r *Runner) Command(ctx context.Context, args ...string) *exec.Cmd {
	settings := r.settings()
	full := make([]string, 0, len(settings)+len(r.noFilters)+len(args)+2)
	full = append(append(full, settings...), r.noFilters...)
	if len(args) > 0 && diffCommands[args[0]] {
		// A diff driver's command or textconv program is configurable per
		// name like a filter; these switches turn off every one of them.
		full = append(append(full, args[0], "--no-ext-diff", "--no-textconv"), args[1:]...)
	} else {
		full = append(full, args...)
	}
	c := exec.CommandContext(ctx, "git", full...)
	c.Dir = r.Dir
	c.Env = Env(os.Environ())
	c.WaitDelay = 5 * time.Second
	return c
}

// Env is environ without GIT_* variables (GIT_DIR, GIT_EXTERNAL_DIFF,
// GIT_SSH_COMMAND, GIT_CONFIG_PARAMETERS... would override the
// hardening) except keptEnv, with git's prompts, system config, LFS
// smudging and optional locks turned off.
func Env(environ []string) []string {
	env := make([]string, 0, len(environ)+6)
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GIT_") && !keptEnv[k] {
			continue
		}
		if k == "LC_ALL" || k == "SSH_ASKPASS" {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_ASKPASS=false",
		"GIT_LFS_SKIP_SMUDGE=1",
		"GIT_OPTIONAL_LOCKS=0",
		"GIT_PROTOCOL_FROM_USER=0",
		"LC_ALL=C",
	)
}

func (r *Runner) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return DefaultTimeout
}

// Run returns git's standard output; a failure is an *Error carrying
// its standard error, or ctx's error when ctx ended.
func (r *Runner) Run(ctx context.Context, args ...string) ([]byte, error) {
	cctx, cancel := context.WithTimeout(ctx, r.timeout())
	defer cancel()
	c := r.Command(cctx, args...)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if cctx.Err() != nil {
			return nil, &Error{Args: args, Msg: fmt.Sprintf("timed out after %v", r.timeout()), Err: cctx.Err()}
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return stdout.Bytes(), &Error{Args: args, Msg: msg, Err: err}
	}
	return stdout.Bytes(), nil
}

// Line is Run's output without surrounding white space.
func (r *Runner) Line(ctx context.Context, args ...string) (string, error) {
	out, err := r.Run(ctx, args...)
	return strings.TrimSpace(string(out)), err
}

// Error is a git command that failed.
type Error struct {
	Args []string
	Msg  string // git's standard error, or why it did not run
	Err  error
}

func (e *Error) Error() string { return "git " + strings.Join(e.Args, " ") + ": " + e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// ExitCode is git's exit status, or -1 when it did not exit.
func ExitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}
