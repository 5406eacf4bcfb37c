package modfetch

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/tfreview/tfreview/internal/loopback"
	"github.com/tfreview/tfreview/internal/origin"
)

// maxJSON bounds a registry's JSON answers (discovery, versions).
const maxJSON = 4 << 20

// newClient wraps base (or a default) so that a token goes only to its
// registry's origin, and a redirect never leaves https (except to
// loopback, for stand-ins).
func newClient(base *http.Client, token func(*url.URL) string) *http.Client {
	hc := &http.Client{Timeout: 2 * time.Minute}
	if base != nil {
		c := *base
		hc = &c
	}
	inner := hc.Transport
	if inner == nil {
		inner = http.DefaultTransport
	}
	hc.Transport = &tokenTransport{base: inner, token: token}
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return checkScheme(req.URL)
	}
	return hc
}

// checkScheme allows https, and plain http to loopback only.
func checkScheme(u *url.URL) error {
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && loopback.Host(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return fmt.Errorf("refusing plain http to %s (https only)", u.Host)
	}
	return fmt.Errorf("refusing a %q URL", u.Scheme)
}

// tokenTransport sets the token of the request's origin, if any, and
// removes any Authorization header otherwise (net/http copies headers to
// the next hop of a redirect).
type tokenTransport struct {
	base  http.RoundTripper
	token func(*url.URL) string
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if tok := t.token(req.URL); tok != "" {
		r.Header.Set("Authorization", "Bearer "+tok)
	} else {
		r.Header.Del("Authorization")
	}
	return t.base.RoundTrip(r)
}

// registryURL is the base URL of a registry host: https, or http for a
// loopback host (a stand-in).
func registryURL(host string) *url.URL {
	scheme := "https"
	if h, _, err := net.SplitHostPort(host); (err == nil && loopback.Host(h)) || loopback.Host(host) {
		scheme = "http"
	}
	return &url.URL{Scheme: scheme, Host: host, Path: "/"}
}

// TokenEnv is the environment variable holding the token of a registry
// host, Terraform's convention: TF_TOKEN_ and the host name with "-" as
// "__" and "." as "_" (the port, which a variable name cannot hold, is not
// part of it).
func TokenEnv(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	return "TF_TOKEN_" + strings.ReplaceAll(strings.ReplaceAll(host, "-", "__"), ".", "_")
}

// tokenFor is the token for a request to u: only to the origin of a
// registry this run resolved a module from, the registry's own host.
func (f *Fetcher) tokenFor(u *url.URL) string {
	f.mu.Lock()
	ok := f.registries[origin.Of(u)]
	f.mu.Unlock()
	if !ok {
		return ""
	}
	return f.opts.Getenv(TokenEnv(u.Host))
}

// service returns the modules.v1 URL of a registry host, by service
// discovery (/.well-known/terraform.json), once per run.
func (f *Fetcher) service(ctx context.Context, host string) (*url.URL, error) {
	base := registryURL(host)
	// The registry's origin receives its token from now on.
	f.mu.Lock()
	f.registries[origin.Of(base)] = true
	f.mu.Unlock()
	v, err := f.once(f.services, "disco:"+host, func() (any, error) {
		disco := base.ResolveReference(&url.URL{Path: "/.well-known/terraform.json"})
		var doc map[string]any
		if err := f.getJSON(ctx, disco, &doc); err != nil {
			return nil, fmt.Errorf("registry %s: service discovery: %w", host, err)
		}
		raw, ok := doc["modules.v1"].(string)
		if !ok || raw == "" {
			return nil, fmt.Errorf("registry %s: service discovery: no modules.v1 service", host)
		}
		u, err := disco.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("registry %s: modules.v1 %q: %w", host, raw, err)
		}
		if err := checkScheme(u); err != nil {
			return nil, fmt.Errorf("registry %s: modules.v1: %w", host, err)
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		return u, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*url.URL), nil
}

func (f *Fetcher) get(ctx context.Context, u *url.URL, accept string) (*http.Response, error) {
	if err := checkScheme(u); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	req.Header.Set("User-Agent", "tfreview")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", redact(u.String()), resp.Status)
	}
	return resp, nil
}

func (f *Fetcher) getJSON(ctx context.Context, u *url.URL, v any) error {
	resp, err := f.get(ctx, u, "application/json")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxJSON+1))
	if err != nil {
		return fmt.Errorf("GET %s: %w", redact(u.String()), err)
	}
	if len(data) > maxJSON {
		return fmt.Errorf("GET %s: answer larger than %d bytes", redact(u.String()), maxJSON)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("GET %s: %w", redact(u.String()), err)
	}
	return nil
}

// resolve picks the newest version of a registry module that meets the
// constraint, and keeps the answer in the cache for later runs.
func (f *Fetcher) resolve(ctx context.Context, src Source, constraint string) (string, error) {
	var cons version.Constraints
	if strings.TrimSpace(constraint) != "" {
		var err error
		if cons, err = version.NewConstraint(constraint); err != nil {
			return "", fmt.Errorf("module %s: version %q: %w", src.Address(), constraint, err)
		}
	}
	key := pkgKey("resolve", src.Address(), strings.TrimSpace(constraint))
	v, err := f.once(f.calls, "resolve:"+key, func() (any, error) {
		file := filepath.Join(f.dir, "resolved", key+".json")
		var kept struct{ Version string }
		if data, err := os.ReadFile(file); err == nil && json.Unmarshal(data, &kept) == nil {
			if v, err := version.NewVersion(kept.Version); err == nil && (cons == nil || cons.Check(v)) {
				return kept.Version, nil
			}
		}
		base, err := f.service(ctx, src.Host)
		if err != nil {
			return nil, err
		}
		u := base.ResolveReference(&url.URL{Path: pathEscape(src.Namespace, src.Name, src.Provider, "versions")})
		var doc struct {
			Modules []struct {
				Versions []struct {
					Version string `json:"version"`
				} `json:"versions"`
			} `json:"modules"`
		}
		if err := f.getJSON(ctx, u, &doc); err != nil {
			return nil, fmt.Errorf("module %s: versions: %w", src.Address(), err)
		}
		var best *version.Version
		for _, m := range doc.Modules {
			for _, mv := range m.Versions {
				v, err := version.NewVersion(mv.Version)
				if err != nil {
					continue
				}
				if cons == nil && v.Prerelease() != "" {
					continue // as Terraform: a pre-release only when asked for exactly
				}
				if cons != nil && !cons.Check(v) {
					continue
				}
				if best == nil || v.GreaterThan(best) {
					best = v
				}
			}
		}
		if best == nil {
			return nil, fmt.Errorf("module %s: no version matches %q", src.Address(), constraint)
		}
		data, _ := json.Marshal(struct{ Version string }{best.Original()})
		if err := writeAtomic(file, data); err != nil {
			f.opts.Logger.Warn("module version not kept in the cache", "module", src.Address(), "error", err)
		}
		return best.Original(), nil
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

func pathEscape(parts ...string) string {
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// fetchRegistry asks the registry where version ver of the module is and
// fetches that (a git or archive source) into dst.
func (f *Fetcher) fetchRegistry(ctx context.Context, src Source, ver, dst string) (meta, error) {
	base, err := f.service(ctx, src.Host)
	if err != nil {
		return meta{}, err
	}
	u := base.ResolveReference(&url.URL{Path: pathEscape(src.Namespace, src.Name, src.Provider, ver, "download")})
	resp, err := f.get(ctx, u, "application/json")
	if err != nil {
		return meta{}, fmt.Errorf("module %s %s: download: %w", src.Address(), ver, err)
	}
	loc := resp.Header.Get("X-Terraform-Get")
	if loc == "" && resp.StatusCode == http.StatusOK {
		var doc struct {
			Location string `json:"location"`
		}
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxJSON))
		_ = json.Unmarshal(data, &doc)
		loc = doc.Location
	}
	resp.Body.Close()
	if loc == "" {
		return meta{}, fmt.Errorf("module %s %s: the registry gave no download location", src.Address(), ver)
	}
	// A relative location is relative to the download URL.
	if !strings.Contains(loc, "::") && !strings.Contains(loc, "://") {
		if rel, err := url.Parse(loc); err == nil && (strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, ".")) {
			loc = resp.Request.URL.ResolveReference(rel).String()
		}
	}
	ls, err := ParseSource(loc)
	if err != nil {
		return meta{}, fmt.Errorf("module %s %s: download location: %w", src.Address(), ver, err)
	}
	var m meta
	switch ls.Kind {
	case KindGit:
		m, err = f.fetchGit(ctx, ls, dst)
	case KindArchive:
		m, err = f.fetchArchive(ctx, ls, dst)
	default:
		err = fmt.Errorf("download location %q is another registry module", redact(loc))
	}
	if err != nil {
		return meta{}, fmt.Errorf("module %s %s: %w", src.Address(), ver, err)
	}
	m.Source, m.Version, m.Subdir = src.Address(), ver, ls.Subdir
	return m, nil
}

// download writes the body of rawURL to w (at most MaxDownload bytes) and
// returns its sha256 and sha512, in hex.
func (f *Fetcher) download(ctx context.Context, rawURL string, w *os.File) (map[string]string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	resp, err := f.get(ctx, u, "")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	h256, h512 := sha256.New(), sha512.New()
	limit := f.opts.Limits.MaxDownload
	n, err := io.Copy(io.MultiWriter(w, h256, h512), io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", redact(rawURL), err)
	}
	if n > limit {
		return nil, refused("%s is larger than %d bytes", redact(rawURL), limit)
	}
	if _, err := w.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	hexOf := func(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }
	return map[string]string{"sha256": hexOf(h256), "sha512": hexOf(h512)}, nil
}

// redact drops a URL's query (pre-signed archive URLs carry credentials
// there) and user information, for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the URL"
	}
	u.RawQuery, u.User, u.Fragment = "", nil, ""
	return u.String()
}
