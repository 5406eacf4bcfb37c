package modfetch

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"

	"github.com/tfreview/tfreview/internal/gitexec"
	"github.com/tfreview/tfreview/internal/loopback"
)

var commitLike = regexp.MustCompile(`^[0-9a-f]{7,64}$`)

// fetchGit fetches src's ref (HEAD when none) into a new bare repository
// and writes the regular files of its commit into dst straight from the
// object database (gitexec.ExtractTree): no checkout, so no hook, filter
// or attribute of the fetched repository takes part; links and
// submodules are left out. git runs hardened (gitexec) in a repository
// tfreview created, with the user's own credential helpers and ssh
// configuration, so private sources work as they do for `terraform init`.
func (f *Fetcher) fetchGit(ctx context.Context, src Source, dst string) (meta, error) {
	t := gitexec.Transport{}
	if u, err := url.Parse(src.URL); err == nil && u.Scheme != "" {
		switch u.Scheme {
		case "file":
			if !f.opts.AllowFileGit {
				return meta{}, fmt.Errorf("git source %s: file:// sources read this machine's files and are not fetched", src.URL)
			}
			t.File = true
		case "http":
			if !loopback.Host(u.Hostname()) {
				return meta{}, fmt.Errorf("git source %s: refusing plain http (https only)", redact(src.URL))
			}
			t.HTTP = true
		}
	}
	repo, err := os.MkdirTemp(filepath.Join(f.dir, "tmp"), "git-")
	if err != nil {
		return meta{}, fmt.Errorf("module cache: %w", err)
	}
	defer os.RemoveAll(repo)
	// No template: nothing (sample hooks included) is copied in.
	if _, err := (&gitexec.Runner{Dir: repo}).Run(ctx, "init", "-q", "--bare", "--template=", "."); err != nil {
		return meta{}, fmt.Errorf("git source %s: %w", redact(src.URL), err)
	}
	r, err := gitexec.NewFetcher(ctx, repo, t)
	if err != nil {
		return meta{}, fmt.Errorf("git source %s: %w", redact(src.URL), err)
	}
	ref := src.Ref
	if ref == "" {
		ref = "HEAD"
	}
	rev := "FETCH_HEAD"
	if _, err := r.Run(ctx, "fetch", "-q", "--depth=1", "--no-tags", "--end-of-options", src.URL, ref); err != nil {
		if !commitLike.MatchString(ref) {
			return meta{}, fmt.Errorf("git source %s ref %q: %w", redact(src.URL), ref, err)
		}
		// A commit: not every server lets a client fetch one by ID.
		if _, err := r.Run(ctx, "fetch", "-q", "--no-tags", "--end-of-options", src.URL, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"); err != nil {
			return meta{}, fmt.Errorf("git source %s: %w", redact(src.URL), err)
		}
		rev = ref
	}
	commit, err := r.Line(ctx, "rev-parse", "--verify", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return meta{}, fmt.Errorf("git source %s ref %q: %w", redact(src.URL), ref, err)
	}
	lim := f.opts.Limits
	if _, err := r.ExtractTree(ctx, commit, dst, gitexec.ExtractLimits{MaxFiles: lim.MaxFiles, MaxBytes: lim.MaxBytes}); err != nil {
		return meta{}, fmt.Errorf("git source %s: %w", redact(src.URL), err)
	}
	return meta{Source: src.URL, Version: commit}, nil
}
