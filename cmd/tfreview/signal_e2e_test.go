package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGTERM (what a CI runner sends on cancel) in the middle of a
// --new-since scan: the run stops, the base tree in the temporary
// directory is removed, no evaluation worker is left, and git has no
// worktree registered.
func TestSIGTERMMidScanLeavesNothing(t *testing.T) {
	// Slow and independent: runs beside the other slow tests.
	t.Parallel()
	bin := tfreviewBinary(t)
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"envs/a/main.tf": cliQueue})
	gitIn(t, dir, "init", "-q", "-b", "main")
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "-m", "base")
	// A root module that takes long to evaluate: a million strings.
	writeFiles(t, dir, map[string]string{"envs/a/slow.tf": `locals {
  big = toset(flatten([for a in range(1000) : [for b in range(1000) : "${a}-${b}"]]))
}
`})
	tmp := t.TempDir()
	cmd := exec.Command(bin, "scan", "--engines", "trivy", "--new-since", "main", "--max-eval-time", "5m", dir)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the base tree exists and a worker runs: mid-scan.
	deadline := time.Now().Add(60 * time.Second)
	for {
		ents, _ := os.ReadDir(tmp)
		if len(ents) > 0 && len(children(cmd.Process.Pid)) > 0 {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the scan never reached the middle (temp dir %v, workers %v)", ents, children(cmd.Process.Pid))
		}
		time.Sleep(20 * time.Millisecond)
	}
	workers := children(cmd.Process.Pid)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() == 0 {
			t.Errorf("a cancelled scan exited %v, want a failure", err)
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the scan did not stop within 30 s of SIGTERM")
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("left in the temporary directory: %v", ents)
	}
	for _, pid := range workers {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("worker %d still runs", pid)
		}
	}
	out, err := exec.Command("git", "-C", dir, "worktree", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.TrimSpace(string(out)), "\n") + 1; n != 1 {
		t.Errorf("git worktree list has %d entries:\n%s", n, out)
	}
}

// children lists the PIDs whose parent is pid (Linux /proc).
func children(pid int) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at ")".
		i := strings.LastIndexByte(string(stat), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat)[i+1:])
		if len(f) > 1 {
			if ppid, err := strconv.Atoi(f[1]); err == nil && ppid == pid {
				out = append(out, child)
			}
		}
	}
	return out
}
