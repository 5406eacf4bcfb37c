package jira_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/lifecycle"
	"github.com/tfreview/tfreview/trackers/jira"
)

// issue is a JIRA issue as the stand-in keeps it.
type issue struct {
	Key, Project, Type, Summary, Description, Component, Priority, Assignee string
	Labels                                                                  []string
	Status                                                                  string
	Comments                                                                []string
}

// stand-in for the JIRA REST API: v2 search (Data Center), v3 enhanced
// search (Cloud), create, edit, comment and transitions.
type server struct {
	mu       sync.Mutex
	issues   []*issue
	requests map[string]int
	auth     string
	down     bool
	// throttle answers the next requests with JIRA's rate limit: 429 with
	// Retry-After: retryAfter.
	throttle   int
	retryAfter string
}

var doneStatuses = map[string]bool{"Done": true, "Won't Do": true}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	route := r.Method + " " + r.URL.Path
	if len(parts) >= 5 && parts[3] == "issue" {
		parts[4] = "{key}"
		route = r.Method + " /" + strings.Join(parts, "/")
	}
	s.requests[route]++
	if r.Header.Get("Authorization") != s.auth {
		http.Error(w, "unauthorized", 401)
		return
	}
	if s.down {
		http.Error(w, "down", 503)
		return
	}
	if s.throttle > 0 {
		s.throttle--
		w.Header().Set("Retry-After", s.retryAfter)
		http.Error(w, `{"errorMessages":["Rate limit exceeded."]}`, http.StatusTooManyRequests)
		return
	}
	var body map[string]any
	if r.Body != nil {
		_ = json.NewDecoder(r.Body).Decode(&body)
	}
	w.Header().Set("Content-Type", "application/json")
	find := func() *issue {
		key := strings.Split(strings.TrimPrefix(r.URL.Path, "/rest/api/2/issue/"), "/")[0]
		for _, is := range s.issues {
			if is.Key == key {
				return is
			}
		}
		return nil
	}
	switch {
	case route == "GET /rest/api/2/search":
		start, _ := strconv.Atoi(r.URL.Query().Get("startAt"))
		max, _ := strconv.Atoi(r.URL.Query().Get("maxResults"))
		all := s.matching()
		end := min(start+max, len(all))
		_ = json.NewEncoder(w).Encode(map[string]any{"startAt": start, "maxResults": max, "total": len(all), "issues": all[start:end]})
	case route == "POST /rest/api/3/search/jql":
		start, _ := strconv.Atoi(fmt.Sprint(body["nextPageToken"]))
		all := s.matching()
		end := min(start+100, len(all))
		out := map[string]any{"issues": all[start:end], "isLast": end == len(all)}
		if end < len(all) {
			out["nextPageToken"] = strconv.Itoa(end)
		}
		_ = json.NewEncoder(w).Encode(out)
	case route == "POST /rest/api/2/issue":
		f := body["fields"].(map[string]any)
		str := func(m any, k string) string {
			mm, _ := m.(map[string]any)
			v, _ := mm[k].(string)
			return v
		}
		is := &issue{Key: fmt.Sprintf("%s-%d", str(f["project"].(map[string]any), "key"), len(s.issues)+1), Project: str(f["project"], "key"), Type: str(f["issuetype"], "name"),
			Summary: f["summary"].(string), Description: f["description"].(string), Priority: str(f["priority"], "name"), Status: "To Do"}
		is.Assignee = str(f["assignee"], "name") + str(f["assignee"], "accountId")
		if cs, ok := f["components"].([]any); ok && len(cs) > 0 {
			is.Component = str(cs[0], "name")
		}
		for _, l := range f["labels"].([]any) {
			is.Labels = append(is.Labels, l.(string))
		}
		s.issues = append(s.issues, is)
		w.WriteHeader(201)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": strconv.Itoa(10000 + len(s.issues)), "key": is.Key})
	case route == "PUT /rest/api/2/issue/{key}":
		is := find()
		if f, ok := body["fields"].(map[string]any); ok {
			is.Summary, is.Description = f["summary"].(string), f["description"].(string)
		}
		if u, ok := body["update"].(map[string]any); ok {
			for _, op := range u["labels"].([]any) {
				for verb, l := range op.(map[string]any) {
					if verb == "add" && !slices.Contains(is.Labels, l.(string)) {
						is.Labels = append(is.Labels, l.(string))
					}
					if verb == "remove" {
						is.Labels = slices.DeleteFunc(is.Labels, func(x string) bool { return x == l })
					}
				}
			}
		}
		w.WriteHeader(204)
	case route == "POST /rest/api/2/issue/{key}/comment":
		is := find()
		is.Comments = append(is.Comments, body["body"].(string))
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"id":"1"}`))
	case route == "GET /rest/api/2/issue/{key}/transitions":
		_, _ = w.Write([]byte(`{"transitions":[{"id":"11","name":"Reopen","to":{"name":"To Do"}},{"id":"31","name":"Close","to":{"name":"Done"}},{"id":"41","name":"Won't fix","to":{"name":"Won't Do"}}]}`))
	case route == "POST /rest/api/2/issue/{key}/transitions":
		is := find()
		id := body["transition"].(map[string]any)["id"]
		is.Status = map[any]string{"11": "To Do", "31": "Done", "41": "Won't Do"}[id]
		w.WriteHeader(204)
	default:
		http.Error(w, "unexpected "+route, 404)
	}
}

func (s *server) matching() []map[string]any {
	out := []map[string]any{}
	for i, is := range s.issues {
		if !slices.Contains(is.Labels, "tfreview") {
			continue
		}
		cat := "new"
		if doneStatuses[is.Status] {
			cat = "done"
		}
		out = append(out, map[string]any{"id": strconv.Itoa(10001 + i), "key": is.Key, "fields": map[string]any{
			"summary": is.Summary, "description": is.Description, "labels": is.Labels,
			"status": map[string]any{"name": is.Status, "statusCategory": map[string]any{"key": cat}},
		}})
	}
	return out
}

func (s *server) snapshot() []issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []issue
	for _, is := range s.issues {
		out = append(out, *is)
	}
	return out
}

func (s *server) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.requests {
		n += c
	}
	return n
}

func mk(rule string, sev finding.Severity, addr string) finding.Finding {
	return finding.Finding{RuleID: rule, Severity: sev, Title: "T " + rule, Message: "bad {noformat}[x|https://evil.example] [~admin]", Resource: addr,
		Range: finding.Range{File: "main.tf", Start: finding.Position{Line: 2}}}
}

func fixture() []finding.Finding {
	return []finding.Finding{
		mk("CRIT", finding.SeverityCritical, "aws_s3_bucket.a[0]"), mk("CRIT", finding.SeverityCritical, "aws_s3_bucket.a[1]"),
		mk("HIGH", finding.SeverityHigh, "aws_iam_policy.p"),
		mk("MED", finding.SeverityMedium, "aws_db_instance.d"),
	}
}

func routed(fs []finding.Finding) []lifecycle.Group {
	gs := lifecycle.GroupFindings(fs)
	for i := range gs {
		switch gs[i].Severity {
		case finding.SeverityCritical:
			gs[i].Route = lifecycle.Route{Owner: "sre", Assignees: []string{"sre.oncall"}, Labels: []string{"sre team"}, Jira: lifecycle.JiraFields{Project: "SRE", IssueType: "Incident", Component: "infra", Priority: "Highest"}}
		case finding.SeverityHigh:
			gs[i].Route = lifecycle.Route{Owner: "product", Jira: lifecycle.JiraFields{Project: "PROD", Priority: "High"}}
		}
	}
	return gs
}

func run(t *testing.T, tr *jira.Tracker, fs []finding.Finding, commit string) (lifecycle.Plan, error) {
	t.Helper()
	tickets, err := tr.List(context.Background())
	if err != nil {
		return lifecycle.Plan{}, err
	}
	p := lifecycle.Reconcile(routed(fs), tickets, commit)
	_, err = lifecycle.Apply(context.Background(), tr, p)
	return p, err
}

// TestTrackLifecycleJira runs the "Done when" sequence against the JIRA
// stand-in, for Data Center (v2 search, PAT) and Cloud (enhanced search,
// user and API token): routed project, type, component, priority and
// assignee; an unchanged rerun only searches; a fix transitions exactly
// its issue to Done with a comment; reintroducing reopens it; an accepted
// risk moves to its status quoting the reason.
func TestTrackLifecycleJira(t *testing.T) {
	for _, cloud := range []bool{false, true} {
		t.Run(map[bool]string{false: "datacenter", true: "cloud"}[cloud], func(t *testing.T) {
			srv := &server{requests: map[string]int{}}
			opts := jira.Options{Cloud: &cloud, AcceptedStatus: "Won't Do", Defaults: lifecycle.JiraFields{Project: "SEC", IssueType: "Bug"},
				Sleep: func(context.Context, time.Duration) error { return nil }}
			if cloud {
				opts.User, opts.APIToken = "bot@example.com", "api-token"
				srv.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte("bot@example.com:api-token"))
			} else {
				opts.PAT = "pat-secret"
				srv.auth = "Bearer pat-secret"
			}
			hs := httptest.NewServer(srv)
			defer hs.Close()
			opts.BaseURL = hs.URL
			tr, err := jira.New(opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := run(t, tr, fixture(), "c1"); err != nil {
				t.Fatal(err)
			}
			iss := srv.snapshot()
			if len(iss) != 3 {
				t.Fatalf("%d issues, want 3", len(iss))
			}
			crit, high, med := iss[0], iss[1], iss[2]
			if crit.Project != "SRE" || crit.Type != "Incident" || crit.Component != "infra" || crit.Priority != "Highest" || crit.Assignee != "sre.oncall" || !slices.Contains(crit.Labels, "sre-team") {
				t.Errorf("CRITICAL issue: %+v", crit)
			}
			if high.Project != "PROD" || high.Type != "Bug" || high.Priority != "High" {
				t.Errorf("HIGH issue: %+v", high)
			}
			if med.Project != "SEC" {
				t.Errorf("MEDIUM issue not in the default project: %+v", med)
			}
			if out := outsideNoformat(crit.Description); strings.Contains(out, "[x|") || strings.Contains(out, "[~admin]") || !strings.Contains(crit.Description, "[~admin]") {
				t.Errorf("finding text outside {noformat}:\n%s", out)
			}

			before := srv.total()
			if p, err := run(t, tr, fixture(), "c2"); err != nil || changed(p) {
				t.Errorf("rerun: %v %+v", err, p)
			}
			if n := srv.total() - before; n != 1 {
				t.Errorf("unchanged rerun made %d requests, want 1 search", n)
			}

			fixed := slices.DeleteFunc(fixture(), func(f finding.Finding) bool { return f.RuleID == "MED" })
			if _, err := run(t, tr, fixed, "abc123"); err != nil {
				t.Fatal(err)
			}
			for _, is := range srv.snapshot() {
				wantDone := is.Key == med.Key
				if (is.Status == "Done") != wantDone {
					t.Errorf("%s is %s after fixing MED", is.Key, is.Status)
				}
			}
			if c := srv.snapshot()[2].Comments; len(c) != 1 || !strings.Contains(c[0], "Fixed in {{abc123}}") {
				t.Errorf("fix comment: %q", c)
			}

			p, err := run(t, tr, fixture(), "c4")
			if err != nil || p.Count(lifecycle.Reopen) != 1 || p.Count(lifecycle.Create) != 0 || srv.snapshot()[2].Status != "To Do" {
				t.Errorf("reintroduced: %v, %d reopens, %d creates, status %s", err, p.Count(lifecycle.Reopen), p.Count(lifecycle.Create), srv.snapshot()[2].Status)
			}

			acc := fixture()
			acc[3].Suppressed = &finding.Suppression{Kind: "tfreview", Reason: "replaced next sprint"}
			if _, err := run(t, tr, acc, "c5"); err != nil {
				t.Fatal(err)
			}
			m := srv.snapshot()[2]
			if m.Status != "Won't Do" || !slices.Contains(m.Labels, jira.AcceptedLabel) || !strings.Contains(m.Comments[len(m.Comments)-1], "replaced next sprint") {
				t.Errorf("accepted: %s %v %q", m.Status, m.Labels, m.Comments)
			}
			if p, _ := run(t, tr, acc, "c6"); changed(p) {
				t.Errorf("rerun with the accepted risk: %+v", p.Changes)
			}

			srv.mu.Lock()
			srv.down = true
			srv.mu.Unlock()
			if _, err := run(t, tr, fixture(), "c7"); err == nil || strings.Contains(err.Error(), "pat-secret") || strings.Contains(err.Error(), "api-token") {
				t.Errorf("outage: %v", err)
			}
		})
	}
}

// TestJiraCredentialsOnlyOverHTTPS: credentials are refused for a
// clear-text JIRA URL that is not loopback.
func TestJiraCredentialsOnlyOverHTTPS(t *testing.T) {
	if _, err := jira.New(jira.Options{BaseURL: "http://jira.example.com", PAT: "x"}); err == nil {
		t.Error("http JIRA URL accepted")
	}
}

// outsideNoformat is what JIRA renders as markup: the text outside
// {noformat} blocks.
func outsideNoformat(s string) string {
	parts := strings.Split(s, "{noformat}")
	var b strings.Builder
	for i := 0; i < len(parts); i += 2 {
		b.WriteString(parts[i])
	}
	return b.String()
}

// TestJiraAPICallsFor1000Findings measures the requests of a first run
// and an unchanged rerun for 1,000 groups (Data Center, pages of 100).
func TestJiraAPICallsFor1000Findings(t *testing.T) {
	srv := &server{requests: map[string]int{}, auth: "Bearer p"}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	dc := false
	tr, err := jira.New(jira.Options{BaseURL: hs.URL, PAT: "p", Cloud: &dc, Defaults: lifecycle.JiraFields{Project: "SEC"}})
	if err != nil {
		t.Fatal(err)
	}
	var fs []finding.Finding
	for i := range 1000 {
		fs = append(fs, mk("MED", finding.SeverityMedium, fmt.Sprintf("aws_db_instance.d%d", i)))
	}
	if _, err := run(t, tr, fs, "c1"); err != nil {
		t.Fatal(err)
	}
	first := srv.total()
	if p, err := run(t, tr, fs, "c2"); err != nil || changed(p) {
		t.Fatalf("rerun: %v", err)
	}
	rerun := srv.total() - first
	t.Logf("1,000 findings on JIRA: first run %d requests, unchanged rerun %d", first, rerun)
	if first != 1000+1+1+10 || rerun != 10 {
		t.Errorf("first run %d, rerun %d; want 1012 and 10", first, rerun)
	}
}

// TestJiraRateLimit: JIRA's 429 is waited out for as long as it asks, up
// to a minute, and the throttled request (a create too: it was not
// processed) is sent again; the wait is not cut short by a request
// timeout. A longer wait is refused and the run fails.
func TestJiraRateLimit(t *testing.T) {
	srv := &server{requests: map[string]int{}, auth: "Bearer p", throttle: 2, retryAfter: "45"}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	dc := false
	var waits []time.Duration
	tr, err := jira.New(jira.Options{BaseURL: hs.URL, PAT: "p", Cloud: &dc, Defaults: lifecycle.JiraFields{Project: "SEC"},
		Sleep: func(ctx context.Context, d time.Duration) error {
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
				t.Errorf("a %v wait would end after %v: cut short by a timeout", d, time.Until(dl).Round(time.Second))
			}
			waits = append(waits, d)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, tr, fixture(), "c1"); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.snapshot()); n != 3 || !slices.Equal(waits, []time.Duration{45 * time.Second, 45 * time.Second}) {
		t.Errorf("%d issues after waits %v; want 3 after two 45s waits", n, waits)
	}

	srv.mu.Lock()
	srv.throttle, srv.retryAfter = 1, "3600"
	srv.mu.Unlock()
	before := srv.total()
	if _, err := run(t, tr, fixture(), "c2"); err == nil || srv.total() != before+1 || len(waits) != 2 {
		t.Errorf("an hour's Retry-After: err %v after %d requests, waits %v; want an error after one request and no wait", err, srv.total()-before, waits)
	}
}

// changed reports whether a plan changes anything.
func changed(p lifecycle.Plan) bool { return len(p.Changes) > p.Count(lifecycle.Unchanged) }
