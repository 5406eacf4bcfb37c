package scanner

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// superviseChild makes the worker die with this process (Pdeathsig) and
// lead its own process group, so that killChild reaches anything it
// started.
func superviseChild(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

func killChild(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	// The process group first (anything the worker started), then the
	// worker itself; either may be gone already, which is the point.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Process.Kill()
}

// residentBytes is the resident set size of process pid (/proc/PID/statm).
func residentBytes(pid int) (int64, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0, false
	}
	fields := bytes.Fields(data)
	if len(fields) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(string(fields[1]), 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}
