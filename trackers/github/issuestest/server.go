// Package issuestest is a stand-in for the part of GitHub's Issues API the
// tracker uses — list by label with pagination, create, update, comment,
// add and remove labels — on loopback, with state kept across runs and
// every request counted. It never calls the internet.
package issuestest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Issue is an issue as the stand-in keeps it.
type Issue struct {
	Number      int      `json:"number"`
	Title       string   `json:"title"`
	Body        string   `json:"body"`
	State       string   `json:"state"`
	StateReason string   `json:"state_reason,omitempty"`
	Labels      []string `json:"-"`
	Assignees   []string `json:"-"`
	Comments    []string `json:"-"`
}

// Server is the stand-in. Lock Mu to read its fields while it runs.
type Server struct {
	HTTP  *httptest.Server
	Token string
	Owner string
	Repo  string

	Mu     sync.Mutex
	Issues []*Issue
	// Requests counts requests by "METHOD route" (numbers as {n}).
	Requests map[string]int
	// Down answers every request with 503, as in an outage.
	Down bool
	// Collaborators are the logins that can be assigned; nil allows any.
	Collaborators []string
	PageSize      int
	// BeforeCreate, when set, runs (unlocked) before an issue is created.
	BeforeCreate func()
	// Throttle answers the next requests with GitHub's secondary rate
	// limit: 429, Retry-After: 1.
	Throttle int
}

// New starts a stand-in for owner/repo accepting token.
func New(t testing.TB, token string) *Server {
	s := &Server{Token: token, Owner: "acme", Repo: "infra", Requests: map[string]int{}, PageSize: 100}
	s.HTTP = httptest.NewServer(s)
	t.Cleanup(s.HTTP.Close)
	return s
}

// Total is the number of requests received.
func (s *Server) Total() int {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	n := 0
	for _, c := range s.Requests {
		n += c
	}
	return n
}

// Reset forgets the request counts.
func (s *Server) Reset() {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.Requests = map[string]int{}
}

// Snapshot copies the issues.
func (s *Server) Snapshot() []Issue {
	s.Mu.Lock()
	defer s.Mu.Unlock()
	out := make([]Issue, len(s.Issues))
	for i, is := range s.Issues {
		out[i] = *is
		out[i].Labels = slices.Clone(is.Labels)
		out[i].Comments = slices.Clone(is.Comments)
	}
	return out
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	prefix := "/repos/" + s.Owner + "/" + s.Repo + "/issues"
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	route := r.Method + " " + prefix
	if rest != "" && len(parts) > 0 {
		parts[0] = "{n}"
		route += "/" + strings.Join(parts, "/")
		if len(parts) == 3 {
			route = r.Method + " " + prefix + "/{n}/labels/{name}"
		}
	}
	if beforeCreate := s.hook(r, route, prefix); beforeCreate != nil {
		beforeCreate()
	}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.Requests[route]++
	if a := r.Header.Get("Authorization"); a != "Bearer "+s.Token && a != "token "+s.Token {
		http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
		return
	}
	if s.Throttle > 0 {
		s.Throttle--
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"message": "You have exceeded a secondary rate limit.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"})
		return
	}
	if s.Down {
		http.Error(w, `{"message":"unavailable"}`, http.StatusServiceUnavailable)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch {
	case route == "GET "+prefix:
		s.list(w, r)
	case route == "POST "+prefix:
		s.create(w, r)
	case route == "PATCH "+prefix+"/{n}":
		s.update(w, r, s.issue(rest))
	case route == "POST "+prefix+"/{n}/comments":
		var c struct{ Body string }
		if is := s.issue(rest); is != nil && decode(w, r, &c) {
			is.Comments = append(is.Comments, c.Body)
			writeJSON(w, http.StatusCreated, map[string]any{"id": len(is.Comments), "body": c.Body})
		} else if is == nil {
			http.NotFound(w, r)
		}
	case route == "POST "+prefix+"/{n}/labels":
		var ls []string
		if is := s.issue(rest); is != nil && decode(w, r, &ls) {
			for _, l := range ls {
				if !slices.Contains(is.Labels, l) {
					is.Labels = append(is.Labels, l)
				}
			}
			writeJSON(w, http.StatusOK, labelObjs(is.Labels))
		} else if is == nil {
			http.NotFound(w, r)
		}
	case route == "DELETE "+prefix+"/{n}/labels/{name}":
		is := s.issue(rest)
		if is == nil || !slices.Contains(is.Labels, parts[2]) {
			http.NotFound(w, r)
			return
		}
		is.Labels = slices.DeleteFunc(is.Labels, func(l string) bool { return l == parts[2] })
		writeJSON(w, http.StatusOK, labelObjs(is.Labels))
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) hook(r *http.Request, route, prefix string) func() {
	if route != "POST "+prefix {
		return nil
	}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	return s.BeforeCreate
}

func (s *Server) issue(rest string) *Issue {
	n, err := strconv.Atoi(strings.Split(strings.Trim(rest, "/"), "/")[0])
	if err != nil || n < 1 || n > len(s.Issues) {
		return nil
	}
	return s.Issues[n-1]
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	want := strings.Split(q.Get("labels"), ",")
	var match []*Issue
	for _, is := range s.Issues {
		ok := true
		for _, l := range want {
			if l != "" && !slices.Contains(is.Labels, l) {
				ok = false
			}
		}
		if ok && (q.Get("state") == "all" || is.State == cmp.Or(q.Get("state"), "open")) {
			match = append(match, is)
		}
	}
	if q.Get("direction") != "asc" {
		slices.Reverse(match)
	}
	size := min(s.PageSize, atoiOr(q.Get("per_page"), 30))
	page := atoiOr(q.Get("page"), 1)
	lo := min((page-1)*size, len(match))
	hi := min(lo+size, len(match))
	if hi < len(match) {
		u := *r.URL
		u.Scheme, u.Host = "http", r.Host
		qq := u.Query()
		qq.Set("page", strconv.Itoa(page+1))
		u.RawQuery = qq.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, u.String()))
	}
	out := []map[string]any{}
	for _, is := range match[lo:hi] {
		out = append(out, s.view(is))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Title     string   `json:"title"`
		Body      string   `json:"body"`
		Labels    []string `json:"labels"`
		Assignees []string `json:"assignees"`
	}
	if !decode(w, r, &req) {
		return
	}
	for _, a := range req.Assignees {
		if s.Collaborators != nil && !slices.Contains(s.Collaborators, a) {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "errors": []map[string]string{{"field": "assignees", "code": "invalid", "value": a}}})
			return
		}
	}
	is := &Issue{Number: len(s.Issues) + 1, Title: req.Title, Body: req.Body, State: "open", Labels: req.Labels, Assignees: req.Assignees}
	s.Issues = append(s.Issues, is)
	writeJSON(w, http.StatusCreated, s.view(is))
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, is *Issue) {
	if is == nil {
		http.NotFound(w, r)
		return
	}
	var req struct {
		Title       *string `json:"title"`
		Body        *string `json:"body"`
		State       *string `json:"state"`
		StateReason *string `json:"state_reason"`
	}
	if !decode(w, r, &req) {
		return
	}
	if req.Title != nil {
		is.Title = *req.Title
	}
	if req.Body != nil {
		is.Body = *req.Body
	}
	if req.State != nil {
		is.State = *req.State
		is.StateReason = ""
	}
	if req.StateReason != nil {
		is.StateReason = *req.StateReason
	}
	writeJSON(w, http.StatusOK, s.view(is))
}

func (s *Server) view(is *Issue) map[string]any {
	return map[string]any{
		"number": is.Number, "title": is.Title, "body": is.Body, "state": is.State,
		"html_url": fmt.Sprintf("https://github.com/%s/%s/issues/%d", s.Owner, s.Repo, is.Number),
		"labels":   labelObjs(is.Labels),
	}
}

func labelObjs(ls []string) []map[string]string {
	out := []map[string]string{}
	for _, l := range ls {
		out = append(out, map[string]string{"name": l})
	}
	return out
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		http.Error(w, `{"message":"Problems parsing JSON"}`, http.StatusBadRequest)
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return n
	}
	return def
}
