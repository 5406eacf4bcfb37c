package github

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	gh "github.com/google/go-github/v91/github"
	"github.com/reviewdog/reviewdog/diff"
	rdgithub "github.com/reviewdog/reviewdog/service/github"
)

// pullRequestDiff fetches the pull request's unified diff with reviewdog's
// diff service and parses it with reviewdog's parser. GitHub refuses the diff
// media type for very large pull requests (406); then the diff is rebuilt
// from the per-file patches of the files endpoint. The strip for the paths
// is 1 (a/ and b/).
func pullRequestDiff(ctx context.Context, cli *gh.Client, rc runContext, secrets []string) ([]*diff.FileDiff, error) {
	svc := &rdgithub.PullRequestDiffService{
		Cli:   cli,
		Owner: rc.Owner,
		Repo:  rc.Repo,
		PR:    rc.PR,
		SHA:   rc.HeadSHA,
		// reviewdog's fallback runs git fetch from the current directory;
		// we use the files endpoint instead.
		FallBackToGitCLI: false,
	}
	raw, err := svc.Diff(ctx)
	if err != nil {
		var er *gh.ErrorResponse
		if !errors.As(err, &er) || er.Response == nil || er.Response.StatusCode != http.StatusNotAcceptable {
			return nil, apiError("get pull request diff", err, secrets...)
		}
		raw, err = diffFromFiles(ctx, cli, rc)
		if err != nil {
			return nil, apiError("list pull request files", err, secrets...)
		}
	}
	fds, err := diff.ParseMultiFile(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse pull request diff: %w", err)
	}
	return fds, nil
}

// diffFromFiles builds a unified diff from the files endpoint. Files without
// a patch (binary, or too large) are left out, so findings in them are
// marked as outside the diff.
func diffFromFiles(ctx context.Context, cli *gh.Client, rc runContext) ([]byte, error) {
	var b strings.Builder
	opt := &gh.ListOptions{PerPage: 100}
	for {
		files, resp, err := cli.PullRequests.ListFiles(ctx, rc.Owner, rc.Repo, rc.PR, opt)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if f.GetPatch() == "" || f.GetStatus() == "removed" {
				continue
			}
			old := "a/" + f.GetFilename()
			if f.GetPreviousFilename() != "" {
				old = "a/" + f.GetPreviousFilename()
			}
			if f.GetStatus() == "added" {
				old = "/dev/null"
			}
			fmt.Fprintf(&b, "--- %s\n+++ b/%s\n%s\n", old, f.GetFilename(), strings.TrimSuffix(f.GetPatch(), "\n"))
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	return []byte(b.String()), nil
}
