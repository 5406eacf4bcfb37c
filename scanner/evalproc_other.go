//go:build !linux

package scanner

import "os/exec"

// Elsewhere the worker's own watchdog bounds its memory, and a worker
// outlives a scan that is killed until its stdin closes.
func superviseChild(cmd *exec.Cmd) {}

func killChild(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}

func residentBytes(pid int) (int64, bool) { return 0, false }
