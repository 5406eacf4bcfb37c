package modfetch

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
)

// Kind is how a module source is fetched.
type Kind int

// The kinds of source Fetch understands.
const (
	KindRegistry Kind = iota + 1 // [host/]namespace/name/provider
	KindGit                      // git::URL, github.com/org/repo, git@host:path
	KindArchive                  // https URL of a .zip or .tar.gz (tgz)
)

// Source is a parsed module source string.
type Source struct {
	Kind Kind
	// Registry: Host is "registry.terraform.io" when not written.
	Host, Namespace, Name, Provider string
	// Git and archive: the URL to fetch, without subdirectory, ref or
	// checksum.
	URL string
	// Ref is git's ?ref= (a branch, tag or commit), empty for HEAD.
	Ref string
	// Checksum is an archive's ?checksum=sha256:HEX (or sha512:HEX),
	// checked before it is extracted.
	Checksum string
	// Subdir is the //subdir within the package, cleaned; "" for its root.
	Subdir string
}

// DefaultRegistry is the host of a registry source written without one.
const DefaultRegistry = "registry.terraform.io"

// Address is a registry source's host/namespace/name/provider.
func (s Source) Address() string {
	return s.Host + "/" + s.Namespace + "/" + s.Name + "/" + s.Provider
}

// Terraform's rules for the parts of a registry address.
var (
	registryPart = regexp.MustCompile(`^[0-9A-Za-z](?:[0-9A-Za-z_-]{0,62}[0-9A-Za-z])?$`)
	providerPart = regexp.MustCompile(`^[0-9a-z]{1,64}$`)
	hostPart     = regexp.MustCompile(`^(?:[0-9A-Za-z](?:[0-9A-Za-z-]{0,61}[0-9A-Za-z])?\.)*[0-9A-Za-z](?:[0-9A-Za-z-]{0,61}[0-9A-Za-z])?(?::[0-9]{1,5})?$`)
	checksumRe   = regexp.MustCompile(`^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$`)
)

// ErrUnsupported is a source of a kind tfreview does not fetch (s3::,
// gcs::, hg::, a plain http URL that is not an archive...).
var ErrUnsupported = errors.New("unsupported module source")

// IsLocal tells a local path source (./x, ../x), which is not fetched.
func IsLocal(raw string) bool {
	return strings.HasPrefix(raw, "./") || strings.HasPrefix(raw, "../")
}

// ParseSource reads a module source as Terraform does: a local path is an
// error (it is not fetched), a registry address when it has that shape,
// else a go-getter address, of which git and https archives are supported.
func ParseSource(raw string) (Source, error) {
	if raw == "" || strings.ContainsAny(raw, " \t\r\n\x00") {
		return Source{}, fmt.Errorf("module source %q: not a valid address", raw)
	}
	if IsLocal(raw) || strings.HasPrefix(raw, "/") {
		return Source{}, fmt.Errorf("module source %q: a local path is not fetched", raw)
	}
	if s, ok := parseRegistry(raw); ok {
		return s, nil
	}
	forced, rest, hasForced := strings.Cut(raw, "::")
	if !hasForced || strings.Contains(forced, "/") {
		forced, rest = "", raw
	}
	rest, subdir := splitSubdir(rest)
	sub, err := cleanSubdir(subdir)
	if err != nil {
		return Source{}, fmt.Errorf("module source %q: %w", raw, err)
	}
	switch forced {
	case "git":
		s, err := parseGit(rest)
		if err != nil {
			return Source{}, fmt.Errorf("module source %q: %w", raw, err)
		}
		s.Subdir = sub
		return s, nil
	case "":
	default:
		return Source{}, fmt.Errorf("module source %q: %q sources: %w", raw, forced, ErrUnsupported)
	}
	switch {
	case strings.HasPrefix(rest, "github.com/"):
		// go-getter's GitHub shorthand: github.com/org/repo[.git].
		s, err := parseGit("https://" + rest)
		if err != nil {
			return Source{}, fmt.Errorf("module source %q: %w", raw, err)
		}
		if !strings.HasSuffix(strings.TrimSuffix(s.URL, "/"), ".git") {
			s.URL = strings.TrimSuffix(s.URL, "/") + ".git"
		}
		s.Subdir = sub
		return s, nil
	case strings.HasPrefix(rest, "git@"):
		s, err := parseGit(rest)
		if err != nil {
			return Source{}, fmt.Errorf("module source %q: %w", raw, err)
		}
		s.Subdir = sub
		return s, nil
	case strings.HasPrefix(rest, "https://") || strings.HasPrefix(rest, "http://"):
		s, err := parseArchive(rest)
		if err != nil {
			return Source{}, fmt.Errorf("module source %q: %w", raw, err)
		}
		s.Subdir = sub
		return s, nil
	}
	return Source{}, fmt.Errorf("module source %q: %w", raw, ErrUnsupported)
}

// parseRegistry reads [host/]namespace/name/provider[//subdir].
func parseRegistry(raw string) (Source, bool) {
	addr, subdir := splitSubdir(raw)
	if strings.ContainsAny(addr, "?#@") || strings.Contains(addr, "::") {
		return Source{}, false
	}
	parts := strings.Split(addr, "/")
	s := Source{Kind: KindRegistry, Host: DefaultRegistry}
	switch len(parts) {
	case 3:
	case 4:
		host := strings.ToLower(parts[0])
		// go-getter's shorthands, never registries.
		if !hostPart.MatchString(host) || host == "github.com" || host == "bitbucket.org" {
			return Source{}, false
		}
		s.Host, parts = host, parts[1:]
	default:
		return Source{}, false
	}
	if !registryPart.MatchString(parts[0]) || !registryPart.MatchString(parts[1]) || !providerPart.MatchString(parts[2]) {
		return Source{}, false
	}
	sub, err := cleanSubdir(subdir)
	if err != nil {
		return Source{}, false
	}
	s.Namespace, s.Name, s.Provider, s.Subdir = parts[0], parts[1], parts[2], sub
	return s, true
}

// splitSubdir splits go-getter's "//subdir" off a source, keeping the
// query string with the source.
func splitSubdir(src string) (string, string) {
	start := 0
	if i := strings.Index(src, "://"); i >= 0 {
		start = i + 3
	}
	i := strings.Index(src[start:], "//")
	if i < 0 {
		return src, ""
	}
	i += start
	rest := src[i+2:]
	query := ""
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		rest, query = rest[:q], rest[q:]
	}
	return src[:i] + query, rest
}

// cleanSubdir refuses a subdirectory that leaves its package.
func cleanSubdir(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	c := path.Clean(s)
	if path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") || strings.ContainsRune(s, '\\') {
		return "", fmt.Errorf("subdirectory %q leaves the package", s)
	}
	if c == "." {
		return "", nil
	}
	return c, nil
}

// parseGit reads a git URL with its ?ref=.
func parseGit(rest string) (Source, error) {
	s := Source{Kind: KindGit}
	base, query, _ := strings.Cut(rest, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return s, fmt.Errorf("query: %w", err)
	}
	for k := range q {
		switch k {
		case "ref":
		case "depth":
		default:
			// sshkey= would carry a private key in the source; others
			// are not git's.
			return s, fmt.Errorf("git source parameter %q: %w", k, ErrUnsupported)
		}
	}
	s.Ref = q.Get("ref")
	if strings.HasPrefix(s.Ref, "-") || strings.ContainsAny(s.Ref, " \t\n\x00\\") {
		return s, fmt.Errorf("git ref %q is not valid", s.Ref)
	}
	if strings.HasPrefix(base, "git@") || (!strings.Contains(base, "://") && strings.Contains(base, ":")) {
		// scp-like user@host:path, which git fetches over ssh.
		userHost, p, ok := strings.Cut(base, ":")
		_, host, _ := strings.Cut(userHost, "@")
		if !ok || host == "" || strings.HasPrefix(host, "-") || p == "" || strings.HasPrefix(p, "-") {
			return s, fmt.Errorf("git address %q is not valid", base)
		}
		s.URL = base
		return s, nil
	}
	u, err := url.Parse(base)
	if err != nil {
		return s, fmt.Errorf("git URL: %w", err)
	}
	switch u.Scheme {
	case "https", "http", "ssh", "file":
	default:
		return s, fmt.Errorf("git URL scheme %q: %w", u.Scheme, ErrUnsupported)
	}
	if u.Scheme != "file" && (u.Host == "" || strings.HasPrefix(u.Host, "-")) {
		return s, fmt.Errorf("git URL %q has no host", base)
	}
	if u.User != nil && u.Scheme != "ssh" {
		return s, errors.New("git URL carries credentials: use the runner's credential helper instead")
	}
	s.URL = u.String()
	return s, nil
}

// parseArchive reads an http(s) URL of an archive, with go-getter's
// ?archive= and ?checksum= parameters.
func parseArchive(rest string) (Source, error) {
	u, err := url.Parse(rest)
	if err != nil {
		return Source{}, fmt.Errorf("URL: %w", err)
	}
	if u.User != nil {
		return Source{}, errors.New("URL carries credentials")
	}
	q := u.Query()
	s := Source{Kind: KindArchive}
	if c := q.Get("checksum"); c != "" {
		if !checksumRe.MatchString(c) {
			return Source{}, fmt.Errorf("checksum %q: want sha256:HEX or sha512:HEX", c)
		}
		s.Checksum = c
	}
	format := q.Get("archive")
	q.Del("checksum")
	q.Del("archive")
	u.RawQuery = q.Encode()
	if format == "" {
		p := strings.ToLower(u.Path)
		for _, ext := range []string{".zip", ".tar.gz", ".tgz"} {
			if strings.HasSuffix(p, ext) {
				format = ext[1:]
			}
		}
	}
	switch format {
	case "zip", "tar.gz", "tgz":
	default:
		return Source{}, fmt.Errorf("%s is not a .zip or .tar.gz archive: %w", u.Redacted(), ErrUnsupported)
	}
	s.URL = u.String()
	return s, nil
}
