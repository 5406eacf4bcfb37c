package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/internal/testutil/tripwire"
)

// TestBinaryMakesNoConnections runs the built binary, a plain scan and a
// --new-since scan of a real git repository, with every proxy and git
// variable pointed at a listener that counts connections, and with a
// Terraform tree that asks for a remote module, an external program and a
// provisioner. Nothing may connect and nothing may run.
func TestBinaryMakesNoConnections(t *testing.T) {
	// Slow and independent: runs beside the other slow tests.
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	wire := tripwire.Listen(t)
	proxy := wire.URL

	repo := t.TempDir()
	marker := filepath.Join(t.TempDir(), "executed")
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(repo, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("init", "-q", "-b", "main")
	write("main.tf", `module "remote" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.1.2"
}

data "external" "run" {
  program = ["sh", "-c", "touch `+marker+`"]
}

resource "aws_instance" "web" {
  ami           = "ami-12345678"
  instance_type = "t3.micro"
  provisioner "local-exec" {
    command = "touch `+marker+`"
  }
}
`)
	git("add", ".")
	git("commit", "-qm", "base")
	// A hook that would run if tfreview let git run the repository's hooks.
	write(".git/hooks/post-checkout", "#!/bin/sh\ntouch "+marker+"\n")
	os.Chmod(filepath.Join(repo, ".git", "hooks", "post-checkout"), 0o755)
	write("queue.tf", "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n")
	git("add", ".")
	git("commit", "-qm", "head")

	for _, args := range [][]string{
		{"scan", "."},
		{"scan", ".", "--new-since", "HEAD~1"},
	} {
		cmd := exec.Command(tfreviewBinary(t), append(args, "--format", "json")...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(),
			"HTTP_PROXY="+proxy, "HTTPS_PROXY="+proxy, "ALL_PROXY="+proxy, "http_proxy="+proxy, "https_proxy="+proxy,
			"GOPROXY="+proxy, "NO_PROXY=", "no_proxy=", "GIT_PROXY_COMMAND=/bin/false", "GIT_SSH_COMMAND=/bin/false",
			"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.proxy", "GIT_CONFIG_VALUE_0="+proxy)
		out, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() != exitFindings {
			t.Fatalf("tfreview %v: exit %d\n%s", args, ee.ExitCode(), ee.Stderr)
		}
		if !strings.Contains(string(out), "AWS-0096") {
			t.Errorf("tfreview %v: the queue's finding is missing", args)
		}
		if !strings.Contains(string(out), `"module-not-loaded"`) {
			t.Errorf("tfreview %v: the remote module is not reported as not loaded", args)
		}
	}
	if n := wire.Connects(); n != 0 {
		t.Errorf("%d network connection(s) made", n)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("something from the repository was executed (external data source, provisioner or git hook)")
	}
}
