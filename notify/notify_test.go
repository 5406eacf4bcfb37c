package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/lifecycle"
)

func mk(rule string, sev finding.Severity, addr string) finding.Finding {
	return finding.Finding{RuleID: rule, Severity: sev, Title: "T " + rule, Resource: addr, Range: finding.Range{File: "main.tf", Start: finding.Position{Line: 1}}}
}

type webhook struct {
	mu     sync.Mutex
	bodies []Message
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var m Message
	_ = json.NewDecoder(r.Body).Decode(&m)
	w.mu.Lock()
	w.bodies = append(w.bodies, m)
	w.mu.Unlock()
	rw.Write([]byte("ok"))
}

// post is what the command does: build, and post only when something
// changed.
func post(t *testing.T, url string, p lifecycle.Plan) {
	t.Helper()
	if m, ok := Build(p, nil, "tfreview acme/infra"); ok {
		if err := Post(context.Background(), nil, url, m); err != nil {
			t.Fatal(err)
		}
	}
}

// TestNotifyOnePerRunCriticalFirst: one message for a run with changes,
// CRITICAL lines first with the routed Slack mention; none for a run that
// changed nothing; crafted text cannot mention or link.
func TestNotifyOnePerRunCriticalFirst(t *testing.T) {
	hook := &webhook{}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	fs := []finding.Finding{mk("LOW1", finding.SeverityLow, "a.b"), mk("HIGH1", finding.SeverityHigh, "c.d"), mk("CRIT1", finding.SeverityCritical, "<!channel> <https://evil.example|x> @here")}
	gs := lifecycle.GroupFindings(fs)
	for i := range gs {
		if gs[i].Severity == finding.SeverityCritical {
			gs[i].Route.Mention = []string{"<!subteam^S0SRE>"}
		}
	}
	p := lifecycle.Reconcile(gs, nil, "c1")
	post(t, srv.URL, p)
	// Rerun: every group has its ticket, nothing changed.
	var tickets []lifecycle.Ticket
	for _, g := range gs {
		tickets = append(tickets, lifecycle.Ticket{Key: g.Key, Digest: g.Digest(), ID: "1", Open: true})
	}
	post(t, srv.URL, lifecycle.Reconcile(gs, tickets, "c2"))
	if len(hook.bodies) != 1 {
		t.Fatalf("%d messages, want 1 (none for the unchanged rerun)", len(hook.bodies))
	}
	text := hook.bodies[0].Text
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 4 || !strings.Contains(lines[1], "CRITICAL") || !strings.Contains(lines[2], "HIGH") || !strings.Contains(lines[3], "LOW") {
		t.Errorf("order is not CRITICAL first:\n%s", text)
	}
	if !strings.Contains(lines[1], "<!subteam^S0SRE>") {
		t.Errorf("routed mention missing: %s", lines[1])
	}
	for _, bad := range []string{"<!channel>", "<https://evil"} {
		if strings.Contains(text, bad) {
			t.Errorf("message contains %q from a finding:\n%s", bad, text)
		}
	}
}

// TestNotifyWebhookURLStaysSecret: a clear-text webhook URL is refused,
// and a failed post does not print the URL (it is the credential).
func TestNotifyWebhookURLStaysSecret(t *testing.T) {
	if err := Post(context.Background(), nil, "http://hooks.example.com/services/T000/B000/SECRET", Message{}); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("http webhook: %v", err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 500) }))
	defer srv.Close()
	err := Post(context.Background(), nil, srv.URL+"/services/SECRET", Message{Text: "x"})
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("failed post: %v", err)
	}
	srv.Close()
	err = Post(context.Background(), nil, srv.URL+"/services/SECRET", Message{Text: "x"})
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("unreachable webhook: %v", err)
	}
}
