package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/ledger"
	"github.com/tfreview/tfreview/trackers/github/issuestest"
)

const trackToken = "ghs_track_e2e_token"

func trackRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"track"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func trackEnv(t *testing.T, srv *issuestest.Server) {
	t.Setenv("GITHUB_TOKEN", trackToken)
	t.Setenv("GITHUB_API_URL", srv.HTTP.URL)
	t.Setenv("GITHUB_REPOSITORY", "acme/infra")
	t.Setenv("GITHUB_SHA", "")
	t.Setenv("GITHUB_WORKSPACE", "")
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	t.Setenv("TFREVIEW_NOTIFY_URL", "")
}

// TestTrackEndToEnd runs the command on testdata/insecure against the
// GitHub stand-in: the first run files issues and writes the ledger;
// --dry-run prints an empty plan and writes nothing; a rerun changes
// nothing; with the tracker down, the ledger and the other outputs are
// still written and the exit code is 3.
func TestTrackEndToEnd(t *testing.T) {
	srv := issuestest.New(t, trackToken)
	trackEnv(t, srv)
	dir := t.TempDir()
	led := filepath.Join(dir, "ledger.csv")
	src := filepath.Join("..", "..", "testdata", "insecure")
	var posts []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		posts = append(posts, string(b))
	}))
	defer hook.Close()
	summary := filepath.Join(dir, "summary.md")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	report := filepath.Join(dir, "weekly.md")
	common := []string{src, "--engines", "builtin", "--tracker", "github", "--ledger", led, "--notify", hook.URL, "--report", report}

	code, _, stderr := trackRun(t, append(common, "--commit", "c1")...)
	if code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	issues := srv.Snapshot()
	l, err := ledger.Read(led)
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) == 0 || len(l.Rows) != len(issues) {
		t.Fatalf("first run: %d issues, %d ledger rows; want equal and > 0\n%s", len(issues), len(l.Rows), stderr)
	}
	for _, r := range l.Rows {
		if !strings.HasPrefix(r["ticket"], "https://github.com/acme/infra/issues/") || r["status"] != "open" {
			t.Errorf("ledger row without its ticket: %v", r)
		}
	}

	page, _ := os.ReadFile(report)
	sum, _ := os.ReadFile(summary)
	if !bytes.Contains(page, []byte(fmt.Sprintf("**%d open**", len(issues)))) || !bytes.Equal(page, sum) {
		t.Errorf("weekly report (%d open expected) or job summary wrong:\n%s", len(issues), page)
	}
	if len(posts) != 1 {
		t.Errorf("first run posted %d notifications, want 1", len(posts))
	}

	before, _ := os.ReadFile(led)
	srv.Reset()
	code, stdout, stderr := trackRun(t, append(common, "--dry-run")...)
	if code != 0 || !strings.Contains(stdout, "plan: 0 to create, 0 to update, 0 to close") {
		t.Errorf("dry run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if after, _ := os.ReadFile(led); !bytes.Equal(before, after) {
		t.Error("--dry-run rewrote the ledger")
	}
	for route := range srv.Requests {
		if !strings.HasPrefix(route, "GET ") {
			t.Errorf("--dry-run wrote to the tracker: %s", route)
		}
	}

	code, _, stderr = trackRun(t, append(common, "--commit", "c2")...)
	if code != 0 || len(srv.Snapshot()) != len(issues) {
		t.Errorf("rerun: exit %d, %d issues (was %d)\n%s", code, len(srv.Snapshot()), len(issues), stderr)
	}
	if len(posts) != 1 {
		t.Errorf("the unchanged rerun posted a notification (%d in all)", len(posts))
	}

	srv.Mu.Lock()
	srv.Down = true
	srv.Mu.Unlock()
	os.Remove(led)
	out := filepath.Join(dir, "out.json")
	code, _, stderr = trackRun(t, append(common, "--commit", "c3", "--format", "json", "--output", out)...)
	if code != exitNotReported {
		t.Errorf("tracker down: exit %d, want 3\n%s", code, stderr)
	}
	if l, err := ledger.Read(led); err != nil || len(l.Rows) != len(issues) {
		t.Errorf("tracker down: ledger not written (%v)", err)
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		t.Errorf("tracker down: JSON output not written (%v)", err)
	}
	if strings.Contains(stderr, trackToken) {
		t.Error("the token is printed")
	}
}
