package github

import (
	"context"
	"slices"
	"strconv"
	"strings"

	gh "github.com/google/go-github/v91/github"
)

// markerName tells this job's comments from those of other tfreview jobs on
// the same pull request (a matrix over directories): the tool name, plus
// the sticky key, which defaults to the scanned directory. It is the source
// name in reviewdog's meta comment and the key of the sticky marker.
func (r *run) markerName() string {
	key := r.opts.StickyKey
	if key == "" {
		key = r.prefix
	}
	if key == "" {
		return r.tool
	}
	return r.tool + ":" + key
}

// stickyMarker finds our summary comment among the pull request's comments.
func (r *run) stickyMarker() string {
	// The name is ours (options and the directory name), but keep it from
	// ending the HTML comment all the same.
	name := strings.NewReplacer("--", "-", ">", "", "\n", " ", "\r", " ").Replace(r.markerName())
	return "<!-- tfreview-summary: " + name + " -->"
}

// postSticky keeps exactly one summary comment: the first comment by the
// trusted author that carries the marker is edited in place; only when there
// is none, and create is set (there is something to say), is one created.
func (r *run) postSticky(ctx context.Context, body string, create bool) error {
	marker := r.stickyMarker()
	opt := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		cs, resp, err := r.cli.Issues.ListComments(ctx, r.rc.Owner, r.rc.Repo, r.rc.PR, opt)
		if err != nil {
			return apiError("list pull request comments", err, r.token)
		}
		for _, c := range cs {
			if !hasLine(c.GetBody(), marker) {
				continue
			}
			if ours, err := r.isOurs(ctx, c.GetUser()); err != nil {
				return err
			} else if !ours {
				continue
			}
			if c.GetBody() != body {
				if _, _, err := r.cli.Issues.UpdateComment(ctx, r.rc.Owner, r.rc.Repo, c.GetID(), gh.IssueCommentRequest{Body: body}); err != nil {
					return apiError("edit summary comment", err, r.token)
				}
			}
			r.res.CommentURL = c.GetHTMLURL()
			return nil
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	if !create {
		return nil
	}
	c, _, err := r.cli.Issues.CreateComment(ctx, r.rc.Owner, r.rc.Repo, r.rc.PR, gh.IssueCommentRequest{Body: body})
	if err != nil {
		return apiError("create summary comment", err, r.token)
	}
	r.res.CommentURL = c.GetHTMLURL()
	return nil
}

func hasLine(body, line string) bool {
	for l := range strings.Lines(body) {
		if strings.TrimRight(l, "\r\n") == line {
			return true
		}
	}
	return false
}

// addLabels adds the owners rules' labels to the pull request (adding is
// idempotent on GitHub's side).
func (r *run) addLabels(ctx context.Context, labels []string) error {
	if len(labels) == 0 {
		return nil
	}
	if _, _, err := r.cli.Issues.AddLabelsToIssue(ctx, r.rc.Owner, r.rc.Repo, r.rc.PR, labels); err != nil {
		return apiError("add labels", err, r.token)
	}
	return nil
}

// removeClearedLabels removes the owners rules' labels that no longer apply
// (the condition that added them cleared), but only those this tool added:
// a label is removed when its last "labeled" event on the pull request is
// by the account this run posts as, so a label a person added stays.
func (r *run) removeClearedLabels(ctx context.Context, keep []string) error {
	var stale []string
	for _, rule := range r.opts.Owners {
		for _, l := range rule.Labels {
			if !slices.Contains(keep, l) && !slices.Contains(stale, l) {
				stale = append(stale, l)
			}
		}
	}
	if len(stale) == 0 {
		return nil
	}
	// The last label event of each stale label: who set it, if it is set.
	last := map[string]*gh.IssueEvent{}
	opt := &gh.ListOptions{PerPage: 100}
	for {
		evs, resp, err := r.cli.Issues.ListIssueEvents(ctx, r.rc.Owner, r.rc.Repo, r.rc.PR, opt)
		if err != nil {
			return apiError("list pull request events", err, r.token)
		}
		for _, e := range evs {
			if (e.GetEvent() == "labeled" || e.GetEvent() == "unlabeled") && slices.Contains(stale, e.GetLabel().GetName()) {
				last[e.GetLabel().GetName()] = e
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	for _, l := range stale {
		e := last[l]
		if e == nil || e.GetEvent() != "labeled" {
			continue
		}
		if ours, err := r.isOurs(ctx, e.GetActor()); err != nil {
			return err
		} else if !ours {
			continue
		}
		if _, err := r.cli.Issues.RemoveLabelForIssue(ctx, r.rc.Owner, r.rc.Repo, r.rc.PR, l); err != nil {
			return apiError("remove label", err, r.token)
		}
		r.res.Notes = append(r.res.Notes, "Removed the label "+strconv.Quote(l)+": its condition no longer holds.")
	}
	return nil
}
