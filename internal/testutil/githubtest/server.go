// Package githubtest is a fake GitHub REST API for tests: the endpoints the
// reporters use (pull request diff and files, review comments, reviews,
// check runs, issue comments, labels, the authenticated user), with state
// kept across runs and every request recorded. It never calls the internet.
package githubtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Server speaks the part of the GitHub REST API the reporters use, keeps
// state across runs (comments, check runs, labels) and records every request.
type Server struct {
	t      testing.TB
	HTTP   *httptest.Server
	Prefix string // e.g. /api/v3 for GitHub Enterprise
	Token  string
	Owner  string
	Repo   string
	PR     int
	Bot    string // login our token posts as

	Mu             sync.Mutex
	Diff           string
	DiffTooLarge   bool // 406 on the diff media type
	Files          []File
	ForbidWrites   bool // 403 on every POST/PATCH/DELETE, as for fork PRs
	UserForbidden  bool // GET /user answers 403, as for GITHUB_TOKEN
	failures       map[string][]int
	RetryAfter     string
	nextID         int64
	ReviewComments []*Comment
	IssueComments  []*Comment
	Reviews        []Review
	CheckRuns      map[int64][]map[string]any
	Labels         []string
	// LabelEvents is the pull request's label history (GET
	// /issues/{n}/events): adding and removing labels through the API
	// appends to it as Bot; a test adds a person's events itself.
	LabelEvents []LabelEvent
	Requests    []Request
	PageSize    int
}

// File is an entry of GET /pulls/{n}/files.
type File struct {
	Filename string `json:"filename"`
	Status   string `json:"status"`
	Patch    string `json:"patch,omitempty"`
}

// Comment is a review comment or an issue comment.
type Comment struct {
	ID        int64  `json:"id"`
	Path      string `json:"path,omitempty"`
	Line      int    `json:"line,omitempty"`
	StartLine int    `json:"start_line,omitempty"`
	Side      string `json:"side,omitempty"`
	Body      string `json:"body"`
	InReplyTo int64  `json:"in_reply_to_id,omitempty"`
	User      struct {
		Login string `json:"login"`
		Type  string `json:"type"`
	} `json:"user"`
	HTMLURL string `json:"html_url"`
}

// LabelEvent is a "labeled" or "unlabeled" issue event.
type LabelEvent struct {
	Event string `json:"event"`
	Actor struct {
		Login string `json:"login"`
		Type  string `json:"type"`
	} `json:"actor"`
	Label struct {
		Name string `json:"name"`
	} `json:"label"`
}

// AddLabelEvent records a label change by login (a person when it is not
// Bot) and applies it to Labels.
func (f *Server) AddLabelEvent(event, label, login string) {
	e := LabelEvent{Event: event}
	e.Actor.Login, e.Actor.Type = login, "User"
	if login == f.Bot {
		e.Actor.Type = f.botType()
	}
	e.Label.Name = label
	f.LabelEvents = append(f.LabelEvents, e)
	if event == "labeled" {
		f.Labels = append(f.Labels, label)
		return
	}
	for i, l := range f.Labels {
		if l == label {
			f.Labels = append(f.Labels[:i], f.Labels[i+1:]...)
			break
		}
	}
}

// Review is the body of POST /pulls/{n}/reviews.
type Review struct {
	CommitID string     `json:"commit_id"`
	Event    string     `json:"event"`
	Body     string     `json:"body"`
	Comments []*Comment `json:"comments"`
}

// Request is a recorded request.
type Request struct {
	Method, Path, Query, Accept string
	Body                        []byte
	Auth                        string
}

// NewServer starts a fake for reviewdog/reviewdog#285 (the pull request of
// the event payload in reporters/github/testdata) that accepts token.
func NewServer(t testing.TB, token string) *Server {
	f := &Server{
		t: t, Token: token, Owner: "reviewdog", Repo: "reviewdog", PR: 285,
		Bot: "github-actions[bot]", UserForbidden: true, nextID: 1000,
		CheckRuns: map[int64][]map[string]any{}, failures: map[string][]int{},
		PageSize: 2, // small pages exercise pagination
	}
	f.HTTP = httptest.NewServer(f)
	t.Cleanup(f.HTTP.Close)
	return f
}

// APIURL is what GITHUB_API_URL should be.
func (f *Server) APIURL() string { return f.HTTP.URL + f.Prefix }

// Fail makes the next requests to "METHOD /path" answer with these codes.
func (f *Server) Fail(route string, codes ...int) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	f.failures[route] = append(f.failures[route], codes...)
}

// RequestsTo lists requests with this method whose path ends with suffix.
func (f *Server) RequestsTo(method, pathSuffix string) []Request {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	var out []Request
	for _, r := range f.Requests {
		if r.Method == method && strings.HasSuffix(r.Path, pathSuffix) {
			out = append(out, r)
		}
	}
	return out
}

// RequestsContaining lists requests with this method whose path contains part.
func (f *Server) RequestsContaining(method, part string) []Request {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	var out []Request
	for _, r := range f.Requests {
		if r.Method == method && strings.Contains(r.Path, part) {
			out = append(out, r)
		}
	}
	return out
}

func (f *Server) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	f.Mu.Lock()
	defer f.Mu.Unlock()
	f.Requests = append(f.Requests, Request{req.Method, req.URL.Path, req.URL.RawQuery, req.Header.Get("Accept"), body, req.Header.Get("Authorization")})
	if req.Header.Get("Authorization") != "Bearer "+f.Token {
		writeJSON(w, 401, map[string]any{"message": "Bad credentials"})
		return
	}
	p, ok := strings.CutPrefix(req.URL.Path, f.Prefix)
	if !ok {
		writeJSON(w, 404, map[string]any{"message": "Not Found"})
		return
	}
	route := req.Method + " " + p
	if codes := f.failures[route]; len(codes) > 0 {
		f.failures[route] = codes[1:]
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		writeJSON(w, codes[0], map[string]any{"message": "injected failure"})
		return
	}
	if f.ForbidWrites && req.Method != http.MethodGet {
		writeJSON(w, 403, map[string]any{"message": "Resource not accessible by integration"})
		return
	}
	base := fmt.Sprintf("/repos/%s/%s", f.Owner, f.Repo)
	rest, ok := strings.CutPrefix(p, base)
	if p == "/user" {
		if f.UserForbidden {
			writeJSON(w, 403, map[string]any{"message": "Resource not accessible by integration"})
			return
		}
		writeJSON(w, 200, map[string]any{"login": f.Bot})
		return
	}
	if !ok {
		writeJSON(w, 404, map[string]any{"message": "Not Found: " + p})
		return
	}
	prPath := "/pulls/" + strconv.Itoa(f.PR)
	issuePath := "/issues/" + strconv.Itoa(f.PR)
	switch {
	case req.Method == "GET" && rest == prPath:
		if !strings.Contains(req.Header.Get("Accept"), "diff") {
			writeJSON(w, 200, map[string]any{"number": f.PR})
			return
		}
		if f.DiffTooLarge {
			writeJSON(w, 406, map[string]any{"message": "Sorry, the diff exceeded the maximum number of files (300)."})
			return
		}
		w.Header().Set("Content-Type", "application/vnd.github.diff; charset=utf-8")
		io.WriteString(w, f.Diff)
	case req.Method == "GET" && rest == prPath+"/files":
		f.writePage(w, req, f.Files)
	case req.Method == "GET" && rest == prPath+"/comments":
		f.writePage(w, req, f.ReviewComments)
	case req.Method == "POST" && rest == prPath+"/reviews":
		var rv Review
		mustUnmarshal(f.t, body, &rv)
		f.Reviews = append(f.Reviews, rv)
		for _, c := range rv.Comments {
			c.ID = f.id()
			c.User.Login, c.User.Type = f.Bot, f.botType()
			c.HTMLURL = fmt.Sprintf("https://github.com/%s/%s/pull/%d#discussion_r%d", f.Owner, f.Repo, f.PR, c.ID)
			f.ReviewComments = append(f.ReviewComments, c)
		}
		writeJSON(w, 200, map[string]any{"id": f.id(), "html_url": fmt.Sprintf("https://github.com/%s/%s/pull/%d#pullrequestreview-1", f.Owner, f.Repo, f.PR)})
	case strings.HasPrefix(rest, "/pulls/comments/"):
		id, _ := strconv.ParseInt(strings.TrimPrefix(rest, "/pulls/comments/"), 10, 64)
		f.editOrDelete(w, req, body, &f.ReviewComments, id)
	case req.Method == "GET" && rest == issuePath+"/comments":
		f.writePage(w, req, f.IssueComments)
	case req.Method == "POST" && rest == issuePath+"/comments":
		c := &Comment{ID: f.id()}
		mustUnmarshal(f.t, body, c)
		c.User.Login, c.User.Type = f.Bot, f.botType()
		c.HTMLURL = fmt.Sprintf("https://github.com/%s/%s/pull/%d#issuecomment-%d", f.Owner, f.Repo, f.PR, c.ID)
		f.IssueComments = append(f.IssueComments, c)
		writeJSON(w, 201, c)
	case strings.HasPrefix(rest, "/issues/comments/"):
		id, _ := strconv.ParseInt(strings.TrimPrefix(rest, "/issues/comments/"), 10, 64)
		f.editOrDelete(w, req, body, &f.IssueComments, id)
	case req.Method == "POST" && rest == issuePath+"/labels":
		var ls []string
		mustUnmarshal(f.t, body, &ls)
		for _, l := range ls {
			if !slices.Contains(f.Labels, l) { // adding a label that is on changes nothing
				f.AddLabelEvent("labeled", l, f.Bot)
			}
		}
		writeJSON(w, 200, []map[string]any{})
	case req.Method == "GET" && rest == issuePath+"/events":
		f.writePage(w, req, f.LabelEvents)
	case req.Method == "DELETE" && strings.HasPrefix(rest, issuePath+"/labels/"):
		name := strings.TrimPrefix(rest, issuePath+"/labels/") // Path is already unescaped
		f.AddLabelEvent("unlabeled", name, f.Bot)
		writeJSON(w, 200, []map[string]any{})
	case req.Method == "POST" && rest == "/check-runs":
		id := f.id()
		var m map[string]any
		mustUnmarshal(f.t, body, &m)
		f.CheckRuns[id] = append(f.CheckRuns[id], m)
		writeJSON(w, 201, map[string]any{"id": id, "html_url": fmt.Sprintf("https://github.com/%s/%s/runs/%d", f.Owner, f.Repo, id)})
	case req.Method == "PATCH" && strings.HasPrefix(rest, "/check-runs/"):
		id, _ := strconv.ParseInt(strings.TrimPrefix(rest, "/check-runs/"), 10, 64)
		var m map[string]any
		mustUnmarshal(f.t, body, &m)
		f.CheckRuns[id] = append(f.CheckRuns[id], m)
		writeJSON(w, 200, map[string]any{"id": id, "html_url": fmt.Sprintf("https://github.com/%s/%s/runs/%d", f.Owner, f.Repo, id)})
	default:
		writeJSON(w, 404, map[string]any{"message": "Not Found: " + route})
	}
}

func (f *Server) botType() string {
	if strings.HasSuffix(f.Bot, "[bot]") {
		return "Bot"
	}
	return "User"
}

func (f *Server) id() int64 { f.nextID++; return f.nextID }

func (f *Server) editOrDelete(w http.ResponseWriter, req *http.Request, body []byte, list *[]*Comment, id int64) {
	for i, c := range *list {
		if c.ID != id {
			continue
		}
		switch req.Method {
		case "PATCH":
			var upd struct{ Body string }
			mustUnmarshal(f.t, body, &upd)
			c.Body = upd.Body
			writeJSON(w, 200, c)
		case "DELETE":
			*list = append((*list)[:i], (*list)[i+1:]...)
			w.WriteHeader(204)
		}
		return
	}
	writeJSON(w, 404, map[string]any{"message": "Not Found"})
}

// writePage serves list endpoints in pages with a Link header, as GitHub
// does.
func writePage[T any](f *Server, w http.ResponseWriter, req *http.Request, all []T) {
	page, _ := strconv.Atoi(req.URL.Query().Get("page"))
	page = max(page, 1)
	from := min((page-1)*f.PageSize, len(all))
	to := min(from+f.PageSize, len(all))
	if to < len(all) {
		u := *req.URL
		q := u.Query()
		q.Set("page", strconv.Itoa(page+1))
		u.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, f.HTTP.URL, u.String()))
	}
	out := all[from:to]
	if out == nil {
		out = []T{}
	}
	writeJSON(w, 200, out)
}

func (f *Server) writePage(w http.ResponseWriter, req *http.Request, all any) {
	switch v := all.(type) {
	case []*Comment:
		writePage(f, w, req, v)
	case []File:
		writePage(f, w, req, v)
	case []LabelEvent:
		writePage(f, w, req, v)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func mustUnmarshal(t testing.TB, b []byte, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		t.Errorf("fake GitHub: bad JSON body %s: %v", b, err)
	}
}
