package github

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeGitHub speaks the part of the GitHub REST API the reporters use, keeps
// state across runs (comments, check runs, labels) and records every request.
type fakeGitHub struct {
	t      *testing.T
	srv    *httptest.Server
	prefix string // e.g. /api/v3 for GitHub Enterprise
	token  string
	owner  string
	repo   string
	pr     int
	bot    string // login our token posts as

	mu             sync.Mutex
	diff           string
	diffTooLarge   bool // 406 on the diff media type
	files          []fakeFile
	forbidWrites   bool // 403 on every POST/PATCH/DELETE, as for fork PRs
	userForbidden  bool // GET /user answers 403, as for GITHUB_TOKEN
	failures       map[string][]int
	retryAfter     string
	nextID         int64
	reviewComments []*fakeComment
	issueComments  []*fakeComment
	reviews        []fakeReview
	checkRuns      map[int64][]map[string]any
	labels         []string
	requests       []fakeRequest
	pageSize       int
}

type fakeFile struct {
	Filename string `json:"filename"`
	Status   string `json:"status"`
	Patch    string `json:"patch,omitempty"`
}

type fakeComment struct {
	ID        int64  `json:"id"`
	Path      string `json:"path,omitempty"`
	Line      int    `json:"line,omitempty"`
	StartLine int    `json:"start_line,omitempty"`
	Side      string `json:"side,omitempty"`
	Body      string `json:"body"`
	InReplyTo int64  `json:"in_reply_to_id,omitempty"`
	User      struct {
		Login string `json:"login"`
	} `json:"user"`
	HTMLURL string `json:"html_url"`
}

type fakeReview struct {
	CommitID string         `json:"commit_id"`
	Event    string         `json:"event"`
	Body     string         `json:"body"`
	Comments []*fakeComment `json:"comments"`
}

type fakeRequest struct {
	Method, Path, Query, Accept string
	Body                        []byte
	Auth                        string
}

func newFakeGitHub(t *testing.T, token string) *fakeGitHub {
	f := &fakeGitHub{
		t: t, token: token, owner: "reviewdog", repo: "reviewdog", pr: 285,
		bot: "github-actions[bot]", userForbidden: true, nextID: 1000,
		checkRuns: map[int64][]map[string]any{}, failures: map[string][]int{},
		pageSize: 2, // small pages exercise pagination
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGitHub) apiURL() string { return f.srv.URL + f.prefix }

// fail makes the next requests to "METHOD /path" answer with these codes.
func (f *fakeGitHub) fail(route string, codes ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[route] = append(f.failures[route], codes...)
}

func (f *fakeGitHub) requestsTo(method, pathSuffix string) []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeRequest
	for _, r := range f.requests {
		if r.Method == method && strings.HasSuffix(r.Path, pathSuffix) {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeGitHub) requestsContaining(method, part string) []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeRequest
	for _, r := range f.requests {
		if r.Method == method && strings.Contains(r.Path, part) {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeGitHub) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, fakeRequest{req.Method, req.URL.Path, req.URL.RawQuery, req.Header.Get("Accept"), body, req.Header.Get("Authorization")})
	if req.Header.Get("Authorization") != "Bearer "+f.token {
		writeJSON(w, 401, map[string]any{"message": "Bad credentials"})
		return
	}
	p, ok := strings.CutPrefix(req.URL.Path, f.prefix)
	if !ok {
		writeJSON(w, 404, map[string]any{"message": "Not Found"})
		return
	}
	route := req.Method + " " + p
	if codes := f.failures[route]; len(codes) > 0 {
		f.failures[route] = codes[1:]
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		writeJSON(w, codes[0], map[string]any{"message": "injected failure"})
		return
	}
	if f.forbidWrites && req.Method != http.MethodGet {
		writeJSON(w, 403, map[string]any{"message": "Resource not accessible by integration"})
		return
	}
	base := fmt.Sprintf("/repos/%s/%s", f.owner, f.repo)
	rest, ok := strings.CutPrefix(p, base)
	if p == "/user" {
		if f.userForbidden {
			writeJSON(w, 403, map[string]any{"message": "Resource not accessible by integration"})
			return
		}
		writeJSON(w, 200, map[string]any{"login": f.bot})
		return
	}
	if !ok {
		writeJSON(w, 404, map[string]any{"message": "Not Found: " + p})
		return
	}
	prPath := "/pulls/" + strconv.Itoa(f.pr)
	issuePath := "/issues/" + strconv.Itoa(f.pr)
	switch {
	case req.Method == "GET" && rest == prPath:
		if !strings.Contains(req.Header.Get("Accept"), "diff") {
			writeJSON(w, 200, map[string]any{"number": f.pr})
			return
		}
		if f.diffTooLarge {
			writeJSON(w, 406, map[string]any{"message": "Sorry, the diff exceeded the maximum number of files (300)."})
			return
		}
		w.Header().Set("Content-Type", "application/vnd.github.diff; charset=utf-8")
		io.WriteString(w, f.diff)
	case req.Method == "GET" && rest == prPath+"/files":
		f.writePage(w, req, f.files)
	case req.Method == "GET" && rest == prPath+"/comments":
		f.writePage(w, req, f.reviewComments)
	case req.Method == "POST" && rest == prPath+"/reviews":
		var rv fakeReview
		mustUnmarshal(f.t, body, &rv)
		f.reviews = append(f.reviews, rv)
		for _, c := range rv.Comments {
			c.ID = f.id()
			c.User.Login = f.bot
			c.HTMLURL = fmt.Sprintf("https://github.com/%s/%s/pull/%d#discussion_r%d", f.owner, f.repo, f.pr, c.ID)
			f.reviewComments = append(f.reviewComments, c)
		}
		writeJSON(w, 200, map[string]any{"id": f.id(), "html_url": fmt.Sprintf("https://github.com/%s/%s/pull/%d#pullrequestreview-1", f.owner, f.repo, f.pr)})
	case strings.HasPrefix(rest, "/pulls/comments/"):
		id, _ := strconv.ParseInt(strings.TrimPrefix(rest, "/pulls/comments/"), 10, 64)
		f.editOrDelete(w, req, body, &f.reviewComments, id)
	case req.Method == "GET" && rest == issuePath+"/comments":
		f.writePage(w, req, f.issueComments)
	case req.Method == "POST" && rest == issuePath+"/comments":
		c := &fakeComment{ID: f.id()}
		mustUnmarshal(f.t, body, c)
		c.User.Login = f.bot
		c.HTMLURL = fmt.Sprintf("https://github.com/%s/%s/pull/%d#issuecomment-%d", f.owner, f.repo, f.pr, c.ID)
		f.issueComments = append(f.issueComments, c)
		writeJSON(w, 201, c)
	case strings.HasPrefix(rest, "/issues/comments/"):
		id, _ := strconv.ParseInt(strings.TrimPrefix(rest, "/issues/comments/"), 10, 64)
		f.editOrDelete(w, req, body, &f.issueComments, id)
	case req.Method == "POST" && rest == issuePath+"/labels":
		var ls []string
		mustUnmarshal(f.t, body, &ls)
		f.labels = append(f.labels, ls...)
		writeJSON(w, 200, []map[string]any{})
	case req.Method == "POST" && rest == "/check-runs":
		id := f.id()
		var m map[string]any
		mustUnmarshal(f.t, body, &m)
		f.checkRuns[id] = append(f.checkRuns[id], m)
		writeJSON(w, 201, map[string]any{"id": id, "html_url": fmt.Sprintf("https://github.com/%s/%s/runs/%d", f.owner, f.repo, id)})
	case req.Method == "PATCH" && strings.HasPrefix(rest, "/check-runs/"):
		id, _ := strconv.ParseInt(strings.TrimPrefix(rest, "/check-runs/"), 10, 64)
		var m map[string]any
		mustUnmarshal(f.t, body, &m)
		f.checkRuns[id] = append(f.checkRuns[id], m)
		writeJSON(w, 200, map[string]any{"id": id, "html_url": fmt.Sprintf("https://github.com/%s/%s/runs/%d", f.owner, f.repo, id)})
	default:
		writeJSON(w, 404, map[string]any{"message": "Not Found: " + route})
	}
}

func (f *fakeGitHub) id() int64 { f.nextID++; return f.nextID }

func (f *fakeGitHub) editOrDelete(w http.ResponseWriter, req *http.Request, body []byte, list *[]*fakeComment, id int64) {
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
func writePage[T any](f *fakeGitHub, w http.ResponseWriter, req *http.Request, all []T) {
	page, _ := strconv.Atoi(req.URL.Query().Get("page"))
	page = max(page, 1)
	from := min((page-1)*f.pageSize, len(all))
	to := min(from+f.pageSize, len(all))
	if to < len(all) {
		u := *req.URL
		q := u.Query()
		q.Set("page", strconv.Itoa(page+1))
		u.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, f.srv.URL, u.String()))
	}
	out := all[from:to]
	if out == nil {
		out = []T{}
	}
	writeJSON(w, 200, out)
}

func (f *fakeGitHub) writePage(w http.ResponseWriter, req *http.Request, all any) {
	switch v := all.(type) {
	case []*fakeComment:
		writePage(f, w, req, v)
	case []fakeFile:
		writePage(f, w, req, v)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func mustUnmarshal(t *testing.T, b []byte, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		t.Errorf("fake GitHub: bad JSON body %s: %v", b, err)
	}
}
