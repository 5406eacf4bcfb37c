// Package registrytest is a stand-in for a Terraform module registry for
// tests, on loopback: service discovery, the module registry protocol's
// versions and download endpoints, and the archives the download
// locations point at, served by a second server (another origin). Every
// request is recorded with its Authorization header. It never calls the
// internet.
package registrytest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Request is one request a server received.
type Request struct {
	Path string // with the query
	Auth string // the Authorization header
}

// Recorder is an httptest server that records its requests.
type Recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []Request
}

// NewRecorder serves h on loopback until the test ends.
func NewRecorder(t testing.TB, h http.Handler) *Recorder {
	r := &Recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.reqs = append(r.reqs, Request{Path: req.URL.RequestURI(), Auth: req.Header.Get("Authorization")})
		r.mu.Unlock()
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

// Requests returns the requests received so far.
func (r *Recorder) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

// Paths returns the paths of the requests received so far.
func (r *Recorder) Paths() []string {
	var out []string
	for _, q := range r.Requests() {
		out = append(out, q.Path)
	}
	return out
}

// Reset forgets the requests received.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.reqs = nil
	r.mu.Unlock()
}

// Host is the server's host:port, as a module source names a registry.
func (r *Recorder) Host() string { return strings.TrimPrefix(r.URL, "http://") }

// Modules are the packages a registry serves: "namespace/name/provider"
// -> version -> archive bytes.
type Modules map[string]map[string][]byte

// Server is a module registry. Download locations point at Files
// (/archives/<ns>/<name>/<provider>/<version>.tar.gz) unless Location
// says otherwise; /redirect/<path> on the registry redirects to Files.
type Server struct {
	*Recorder
	Files   *Recorder
	modules Modules
	// Location, when set, is the download location of a version.
	Location func(addr, version string) string
}

// New starts a registry serving modules.
func New(t testing.TB, modules Modules) *Server {
	t.Helper()
	s := &Server{modules: modules}
	s.Files = NewRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rest, ok := strings.CutPrefix(req.URL.Path, "/archives/")
		addr, file := rest[:max(strings.LastIndexByte(rest, '/'), 0)], rest[strings.LastIndexByte(rest, '/')+1:]
		data, found := s.modules[addr][strings.TrimSuffix(file, ".tar.gz")]
		if !ok || !found {
			http.NotFound(w, req)
			return
		}
		_, _ = w.Write(data)
	}))
	s.Recorder = NewRecorder(t, http.HandlerFunc(s.serve))
	return s
}

func (s *Server) serve(w http.ResponseWriter, req *http.Request) {
	p := req.URL.Path
	switch {
	case p == "/.well-known/terraform.json":
		_ = json.NewEncoder(w).Encode(map[string]string{"modules.v1": "/api/modules/v1/"})
		return
	case strings.HasPrefix(p, "/redirect/"):
		http.Redirect(w, req, s.Files.URL+strings.TrimPrefix(p, "/redirect"), http.StatusFound)
		return
	case !strings.HasPrefix(p, "/api/modules/v1/"):
		http.NotFound(w, req)
		return
	}
	parts := strings.Split(strings.TrimPrefix(p, "/api/modules/v1/"), "/")
	if len(parts) < 4 {
		http.NotFound(w, req)
		return
	}
	addr := strings.Join(parts[:3], "/")
	versions, ok := s.modules[addr]
	if !ok {
		http.NotFound(w, req)
		return
	}
	switch {
	case len(parts) == 4 && parts[3] == "versions":
		var vs []map[string]string
		for v := range versions {
			vs = append(vs, map[string]string{"version": v})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"modules": []any{map[string]any{"source": addr, "versions": vs}}})
	case len(parts) == 5 && parts[4] == "download":
		if _, ok := versions[parts[3]]; !ok {
			http.NotFound(w, req)
			return
		}
		loc := s.Files.URL + "/archives/" + addr + "/" + parts[3] + ".tar.gz"
		if s.Location != nil {
			loc = s.Location(addr, parts[3])
		}
		w.Header().Set("X-Terraform-Get", loc)
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, req)
	}
}

// Entry is one member of a test archive: a regular file, or with Type
// set, a link (Link) or another kind.
type Entry struct {
	Name, Body, Link string
	Type             byte // tar.TypeReg when zero
}

// TarGz is a gzipped tar of files (name -> contents), in name order.
func TarGz(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var es []Entry
	for _, name := range slices.Sorted(maps.Keys(files)) {
		es = append(es, Entry{Name: name, Body: files[name]})
	}
	return TarGzEntries(t, es)
}

// TarGzEntries is a gzipped tar of es, in order.
func TarGzEntries(t testing.TB, es []Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range es {
		typ := e.Type
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.Name, Typeflag: typ, Mode: 0o644, Linkname: e.Link}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.Body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.Body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
