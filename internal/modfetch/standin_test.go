package modfetch

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// request is one request a stand-in received.
type request struct {
	Path string
	Auth string
}

// recorder is an httptest server on loopback that records its requests.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []request
}

func newRecorder(t *testing.T, h http.Handler) *recorder {
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.reqs = append(r.reqs, request{Path: req.URL.RequestURI(), Auth: req.Header.Get("Authorization")})
		r.mu.Unlock()
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.reqs...)
}

func (r *recorder) paths() []string {
	var out []string
	for _, q := range r.requests() {
		out = append(out, q.Path)
	}
	return out
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.reqs = nil
	r.mu.Unlock()
}

// host is the stand-in's host:port, as a module source names it.
func (r *recorder) host() string { return strings.TrimPrefix(r.URL, "http://") }

// registry is a stand-in for a Terraform module registry: service
// discovery, the versions of each module, and download locations pointing
// at archives (by default served by files, another origin).
type registry struct {
	*recorder
	files *recorder
	// modules: "ns/name/provider" -> version -> files of the package.
	modules map[string]map[string]map[string]string
	// location, when set, overrides the download location of a version.
	location func(addr, version string) string
	// archives served by files: path -> bytes.
	archives map[string][]byte
}

func newRegistry(t *testing.T, modules map[string]map[string]map[string]string) *registry {
	t.Helper()
	reg := &registry{modules: modules, archives: map[string][]byte{}}
	reg.files = newRecorder(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		data, ok := reg.archives[req.URL.Path]
		if !ok {
			http.NotFound(w, req)
			return
		}
		_, _ = w.Write(data)
	}))
	for addr, versions := range modules {
		for v, files := range versions {
			reg.archives["/archives/"+addr+"/"+v+".tar.gz"] = tarGz(t, files)
		}
	}
	reg.recorder = newRecorder(t, http.HandlerFunc(reg.serve))
	return reg
}

func (reg *registry) serve(w http.ResponseWriter, req *http.Request) {
	p := req.URL.Path
	switch {
	case p == "/.well-known/terraform.json":
		_ = json.NewEncoder(w).Encode(map[string]string{"modules.v1": "/api/modules/v1/"})
		return
	case strings.HasPrefix(p, "/redirect/"):
		http.Redirect(w, req, reg.files.URL+strings.TrimPrefix(p, "/redirect"), http.StatusFound)
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
	versions, ok := reg.modules[addr]
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
		loc := reg.files.URL + "/archives/" + addr + "/" + parts[3] + ".tar.gz"
		if reg.location != nil {
			loc = reg.location(addr, parts[3])
		}
		w.Header().Set("X-Terraform-Get", loc)
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, req)
	}
}

// entry is one member of a test archive.
type entry struct {
	name, body, link string
	typ              byte
}

func tarGz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var es []entry
	for name, body := range files {
		es = append(es, entry{name: name, body: body, typ: tar.TypeReg})
	}
	return tarGzEntries(t, es)
}

func tarGzEntries(t *testing.T, es []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.link}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
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

func zipEntries(t *testing.T, es []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range es {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		body := e.body
		if e.link != "" {
			h.SetMode(0o777 | 1<<27) // os.ModeSymlink
			body = e.link
		} else {
			h.SetMode(0o644)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func httpBytes(data []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(data) })
}
