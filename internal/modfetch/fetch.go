// Package modfetch fetches remote Terraform modules for --download-modules
// into a cache shared by every root module of a run and by later runs:
// registry modules by the module registry protocol, git modules through
// the hardened git runner (internal/gitexec), https archives. Archives are
// extracted with limits, and nothing fetched is ever run.
//
// The cache (DIR/v1) holds one directory per package, named by a hash of
// what identifies its contents — registry address and version, git URL and
// ref, archive URL and checksum — written whole in a temporary directory
// and renamed into place, so a concurrent run sees a package completely or
// not at all. A registry version constraint is resolved once and the
// answer kept (as `terraform init` keeps it in .terraform): a later run
// makes no request for a module it has. Delete the directory to pick up
// newly published versions.
package modfetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// layout names the cache's layout: packages of another layout live in
// another subdirectory and are never read.
const layout = "v1"

// Options configure a Fetcher.
type Options struct {
	// CacheDir holds the packages (created if needed).
	CacheDir string
	// Client makes the HTTP requests; its Transport is wrapped so that
	// registry tokens reach only their registry. A default with a timeout
	// when nil.
	Client *http.Client
	// Getenv reads TF_TOKEN_<host>; os.Getenv when nil.
	Getenv func(string) string
	// Limits bound each package; DefaultLimits' for zero fields.
	Limits Limits
	// AllowFileGit allows git::file:// sources, which read a repository
	// of this machine outside the scanned tree; off for the CLI.
	AllowFileGit bool
	// Logger receives a line per package fetched; discarded when nil.
	Logger *slog.Logger
}

// Module is a fetched package and where in it the module is.
type Module struct {
	// Dir is the package's root directory in the cache.
	Dir string
	// Subdir is the module's directory within Dir ("" for Dir).
	Subdir string
	// Source is what was fetched (registry address, or URL), Version the
	// registry version or git commit.
	Source, Version string
	// Key names the package in the cache; equal keys, equal contents.
	Key string
}

// Fetcher fetches module packages into its cache. Its methods may be
// called concurrently; a package is fetched once per run.
type Fetcher struct {
	opts   Options
	dir    string // CacheDir/layout
	client *http.Client

	mu       sync.Mutex
	calls    map[string]*call // in-process once per key
	services map[string]*call // registry host -> modules.v1 URL
	// registries are the origins that receive their TF_TOKEN_: those of
	// the registry hosts named by module sources, nothing else.
	registries map[string]bool
}

type call struct {
	once sync.Once
	val  any
	err  error
}

// New opens the cache, creating it if needed.
func New(opts Options) (*Fetcher, error) {
	if opts.CacheDir == "" {
		return nil, errors.New("module cache: no directory")
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	d := DefaultLimits
	if opts.Limits.MaxDownload > 0 {
		d.MaxDownload = opts.Limits.MaxDownload
	}
	if opts.Limits.MaxBytes > 0 {
		d.MaxBytes = opts.Limits.MaxBytes
	}
	if opts.Limits.MaxFiles > 0 {
		d.MaxFiles = opts.Limits.MaxFiles
	}
	opts.Limits = d
	dir := filepath.Join(opts.CacheDir, layout)
	for _, sub := range []string{"pkg", "resolved", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("module cache: %w", err)
		}
	}
	removeStale(filepath.Join(dir, "tmp"), 24*time.Hour)
	f := &Fetcher{opts: opts, dir: dir, calls: map[string]*call{}, services: map[string]*call{}, registries: map[string]bool{}}
	f.client = newClient(opts.Client, f.tokenFor)
	return f, nil
}

// removeStale removes what runs that were killed left in dir: anything
// older than age (a run in progress writes its own, newer, entries).
func removeStale(dir string, age time.Duration) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > age {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// DefaultCacheDir is where modules are cached without --module-cache.
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("module cache: %w (pass --module-cache)", err)
	}
	return filepath.Join(d, "tfreview", "modules"), nil
}

func (f *Fetcher) once(m map[string]*call, key string, fn func() (any, error)) (any, error) {
	f.mu.Lock()
	c, ok := m[key]
	if !ok {
		c = &call{}
		m[key] = c
	}
	f.mu.Unlock()
	c.once.Do(func() { c.val, c.err = fn() })
	return c.val, c.err
}

// Fetch returns the package of a module source (and, for a registry
// source, version constraint), from the cache or fetched into it.
func (f *Fetcher) Fetch(ctx context.Context, source, version string) (Module, error) {
	src, err := ParseSource(source)
	if err != nil {
		return Module{}, err
	}
	if src.Kind != KindRegistry && version != "" {
		return Module{}, fmt.Errorf("module source %q: version is only for registry sources", source)
	}
	var m Module
	switch src.Kind {
	case KindRegistry:
		ver, err := f.resolve(ctx, src, version)
		if err != nil {
			return Module{}, err
		}
		m, err = f.pkg(ctx, pkgKey("registry", src.Address(), ver), src.Address(), ver, func(ctx context.Context, dst string) (meta, error) {
			return f.fetchRegistry(ctx, src, ver, dst)
		})
		if err != nil {
			return Module{}, err
		}
	case KindGit:
		m, err = f.pkg(ctx, pkgKey("git", src.URL, src.Ref), src.URL, src.Ref, func(ctx context.Context, dst string) (meta, error) {
			return f.fetchGit(ctx, src, dst)
		})
	case KindArchive:
		m, err = f.pkg(ctx, pkgKey("archive", src.URL, src.Checksum), src.URL, "", func(ctx context.Context, dst string) (meta, error) {
			return f.fetchArchive(ctx, src, dst)
		})
	}
	if err != nil {
		return Module{}, err
	}
	m.Subdir = joinSubdir(m.Subdir, src.Subdir)
	return m, nil
}

func joinSubdir(a, b string) string {
	j := path.Join(a, b)
	if j == "." {
		return ""
	}
	return j
}

// pkgKey hashes what identifies a package's contents, length-prefixed so
// that no two inputs collide by shifting bytes between fields.
func pkgKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// meta is a package's module.json, beside its files.
type meta struct {
	Source  string `json:"source"`
	Version string `json:"version,omitempty"` // registry version, git commit
	// Subdir is where the registry's download location pointed within
	// the package (its "//subdir"); the source's own is added by Fetch.
	Subdir string `json:"subdir,omitempty"`
	// SHA256 is the archive's, when the package came from one.
	SHA256  string    `json:"sha256,omitempty"`
	Fetched time.Time `json:"fetched"`
}

// pkg returns the package under key, filling it with fill when the cache
// does not have it.
func (f *Fetcher) pkg(ctx context.Context, key, source, version string, fill func(context.Context, string) (meta, error)) (Module, error) {
	v, err := f.once(f.calls, "pkg:"+key, func() (any, error) {
		final := filepath.Join(f.dir, "pkg", key)
		if m, ok := readMeta(final); ok {
			return m, nil
		}
		tmp, err := os.MkdirTemp(filepath.Join(f.dir, "tmp"), key[:12]+"-")
		if err != nil {
			return nil, fmt.Errorf("module cache: %w", err)
		}
		defer os.RemoveAll(tmp) // after a rename, nothing is left
		files := filepath.Join(tmp, "files")
		if err := os.Mkdir(files, 0o755); err != nil {
			return nil, fmt.Errorf("module cache: %w", err)
		}
		m, err := fill(ctx, files)
		if err != nil {
			return nil, err
		}
		m.Fetched = time.Now().UTC()
		data, _ := json.Marshal(m)
		if err := os.WriteFile(filepath.Join(tmp, "module.json"), data, 0o644); err != nil {
			return nil, fmt.Errorf("module cache: %w", err)
		}
		if err := os.Rename(tmp, final); err != nil {
			// Another run put it there first: its copy is as good.
			if m, ok := readMeta(final); ok {
				return m, nil
			}
			// A damaged entry (no module.json) is replaced.
			if rmErr := os.RemoveAll(final); rmErr != nil {
				return nil, fmt.Errorf("module cache: %w", err)
			}
			if err := os.Rename(tmp, final); err != nil {
				return nil, fmt.Errorf("module cache: %w", err)
			}
		}
		f.opts.Logger.Info("module fetched", "source", source, "version", m.Version)
		return m, nil
	})
	if err != nil {
		return Module{}, err
	}
	m := v.(meta)
	ver := m.Version
	if ver == "" {
		ver = version
	}
	return Module{Dir: filepath.Join(f.dir, "pkg", key, "files"), Subdir: m.Subdir, Source: source, Version: ver, Key: key}, nil
}

func readMeta(dir string) (meta, bool) {
	data, err := os.ReadFile(filepath.Join(dir, "module.json"))
	if err != nil {
		return meta{}, false
	}
	var m meta
	if json.Unmarshal(data, &m) != nil {
		return meta{}, false
	}
	if st, err := os.Stat(filepath.Join(dir, "files")); err != nil || !st.IsDir() {
		return meta{}, false
	}
	return m, true
}

// writeAtomic writes data to name through a temporary file renamed into
// place.
func writeAtomic(name string, data []byte) error {
	t, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = t.Write(data)
	if cerr := t.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(t.Name(), name)
	}
	if err != nil {
		_ = os.Remove(t.Name())
	}
	return err
}

// fetchArchive downloads an archive into a temporary file, checks its
// checksum and extracts it into dst.
func (f *Fetcher) fetchArchive(ctx context.Context, src Source, dst string) (meta, error) {
	tmp, err := os.CreateTemp(filepath.Join(f.dir, "tmp"), "archive-*")
	if err != nil {
		return meta{}, fmt.Errorf("module cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	sum, err := f.download(ctx, src.URL, tmp)
	if err != nil {
		return meta{}, err
	}
	if src.Checksum != "" {
		algo, want, _ := strings.Cut(src.Checksum, ":")
		got := sum[algo]
		if got != want {
			return meta{}, fmt.Errorf("%s: %s checksum is %s, the source says %s", redact(src.URL), algo, got, want)
		}
	}
	if err := extractArchive(tmp, dst, f.opts.Limits); err != nil {
		return meta{}, fmt.Errorf("%s: %w", redact(src.URL), err)
	}
	return meta{Source: src.URL, SHA256: sum["sha256"]}, nil
}
