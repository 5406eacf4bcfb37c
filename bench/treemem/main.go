// Command treemem runs a command and reports the peak memory of its whole
// process tree, sampled every 20 ms: the largest sum of the processes' PSS
// (proportional set size: shared pages split between the processes sharing
// them) and of their RSS. GNU time's "Maximum resident set size" is the
// largest single process (getrusage's ru_maxrss for children), so for a
// program that evaluates in worker processes, as `tfreview scan` does, it
// leaves the workers' memory out of the figure.
//
//	treemem CMD ARGS...   prints "peak_pss_kb peak_rss_kb processes" to stderr
//
// Linux only (it reads /proc).
package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: treemem CMD ARGS...")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "treemem:", err)
		os.Exit(2)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var peakPSS, peakRSS, most int
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		pids := tree(cmd.Process.Pid)
		pss, rss := 0, 0
		for _, p := range pids {
			pss += field(fmt.Sprintf("/proc/%d/smaps_rollup", p), "Pss:")
			rss += field(fmt.Sprintf("/proc/%d/status", p), "VmRSS:")
		}
		peakPSS, peakRSS, most = max(peakPSS, pss), max(peakRSS, rss), max(most, len(pids))
		select {
		case err := <-done:
			fmt.Fprintf(os.Stderr, "treemem: %d %d %d\n", peakPSS, peakRSS, most)
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				os.Exit(ee.ExitCode())
			}
			if err != nil {
				os.Exit(2)
			}
			return
		case <-tick.C:
		}
	}
}

// tree returns pid and its descendants.
func tree(pid int) []int {
	children := map[int][]int{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, s := range stats {
		data, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		rest := string(data[strings.LastIndexByte(string(data), ')')+1:])
		f := strings.Fields(rest)
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		p, _ := strconv.Atoi(filepath.Base(filepath.Dir(s)))
		children[ppid] = append(children[ppid], p)
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// field returns the value in kB of the line starting with name, 0 if the
// process is gone.
func field(file, name string) int {
	f, err := os.Open(file)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, name) {
			v, _ := strconv.Atoi(strings.Fields(l[len(name):])[0])
			return v
		}
	}
	return 0
}
