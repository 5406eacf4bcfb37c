package github

import (
	"context"
	"fmt"
	"strings"

	gh "github.com/google/go-github/v91/github"
	"github.com/reviewdog/reviewdog/service/serviceutil"

	"github.com/tfreview/tfreview/reporters/review"
)

// resolvedSuffix marks, in the reviewdog meta comment's source name, a
// comment we resolved: it is neither current nor outdated any more.
const resolvedSuffix = "/resolved"

// reviewPlan is what one run will do on the pull request.
type reviewPlan struct {
	drafts   []*gh.DraftReviewComment
	current  map[int64]bool // earlier comments that still apply
	outdated []*gh.PullRequestComment
	replied  map[int64]bool
	left     []review.Group // in scope but not commented now
	posted   int            // findings covered by the drafts
}

type lineKey struct {
	path string
	line int
	fp   string
}

// postReview posts one review with a comment per in-scope group on changed
// lines, skipping what an earlier run already posted, then resolves or
// deletes our earlier comments that no longer apply.
func (r *run) postReview(ctx context.Context) error {
	ours, err := r.ourReviewComments(ctx)
	if err != nil {
		return err
	}
	plan := r.planReview(ours)
	if len(plan.drafts) > 0 {
		req := &gh.PullRequestReviewRequest{
			CommitID: new(r.rc.HeadSHA),
			Event:    new("COMMENT"),
			Body:     new(r.reviewBody(plan)),
			Comments: plan.drafts,
		}
		rv, _, err := r.cli.PullRequests.CreateReview(ctx, r.rc.Owner, r.rc.Repo, r.rc.PR, req)
		if err != nil {
			return apiError("create review", err, r.token)
		}
		r.res.ReviewURL = rv.GetHTMLURL()
		r.res.Posted = plan.posted
	}
	return r.handleOutdated(ctx, plan)
}

// ourReviewComments lists review comments and keeps those with our marker
// written by the account we trust, so nobody can silence a finding by
// posting a look-alike comment.
func (r *run) ourReviewComments(ctx context.Context) ([]*gh.PullRequestComment, error) {
	var out []*gh.PullRequestComment
	opt := &gh.PullRequestListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		cs, resp, err := r.cli.PullRequests.ListComments(ctx, r.rc.Owner, r.rc.Repo, r.rc.PR, opt)
		if err != nil {
			return nil, apiError("list review comments", err, r.token)
		}
		for _, c := range cs {
			if id := c.GetInReplyTo(); id != 0 {
				r.replied[id] = true
			}
			ours, err := r.isOurs(ctx, c.GetUser())
			if err != nil {
				return nil, err
			}
			if !ours {
				continue
			}
			if meta := serviceutil.ExtractMetaComment(c.GetBody()); meta != nil && meta.GetSourceName() == r.markerName() {
				out = append(out, c)
			}
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opt.Page = resp.NextPage
	}
}

// reviewComment is one comment to post: groups whose fix is the same
// change to the same resource share it.
type reviewComment struct {
	groups []review.Group // the first is shown; the others are listed
	at     review.Lines
	sg     *review.Suggestion
}

func (r *run) planReview(ours []*gh.PullRequestComment) reviewPlan {
	plan := reviewPlan{current: map[int64]bool{}, replied: r.replied}
	posted := map[lineKey]*gh.PullRequestComment{}
	for _, c := range ours {
		meta := serviceutil.ExtractMetaComment(c.GetBody())
		posted[lineKey{c.GetPath(), c.GetLine(), meta.GetFingerprint()}] = c
	}
	stillFound := map[string]bool{} // fingerprints in scope but not (re)commented
	limit := r.reviewOpts.MaxComments
	if limit == 0 {
		limit = DefaultMaxComments
	}
	var comments []*reviewComment
	byFix := map[string]*reviewComment{}
	for _, g := range review.BySeverity(r.in) {
		fp := g.Fingerprint()
		anchor, sugg, fixKey := r.commentTarget(g)
		if anchor.IsZero() {
			// Only near the change (diff_context, file): counted in the
			// summary, not commented.
			r.status[fp] = statusNoLine
			plan.left = append(plan.left, g)
			stillFound[fp] = true
			continue
		}
		if c := byFix[fixKey]; fixKey != "" && c != nil {
			c.groups = append(c.groups, g)
			stillFound[fp] = true
			continue
		}
		c := &reviewComment{groups: []review.Group{g}, at: anchor, sg: sugg}
		if fixKey != "" {
			byFix[fixKey] = c
		}
		comments = append(comments, c)
	}
	for i, c := range comments {
		fp := c.groups[0].Fingerprint()
		if limit >= 0 && i >= limit {
			for _, g := range c.groups {
				r.status[g.Fingerprint()] = statusOverLimit
				plan.left = append(plan.left, g)
				stillFound[g.Fingerprint()] = true
			}
			continue
		}
		status := statusCommented
		if old, ok := posted[lineKey{c.at.Path, c.at.End, fp}]; ok {
			plan.current[old.GetID()] = true
			status = statusAlready
			r.res.AlreadyPosted += review.CountItems(c.groups)
		} else {
			plan.drafts = append(plan.drafts, r.draft(c))
			plan.posted += review.CountItems(c.groups)
		}
		for _, g := range c.groups {
			r.status[g.Fingerprint()] = status
		}
	}
	for _, c := range ours {
		meta := serviceutil.ExtractMetaComment(c.GetBody())
		if !plan.current[c.GetID()] && !stillFound[meta.GetFingerprint()] {
			plan.outdated = append(plan.outdated, c)
		}
	}
	r.res.NotPosted = review.CountItems(plan.left)
	return plan
}

// commentTarget picks the lines for a group's comment: the lines of its fix
// when the change added one of them and they are in the diff exactly as on
// disk (so the suggestion applies); else the first line of the finding the
// change added, with no suggestion. Zero when the change added none of its
// lines: the finding is only near the change. fixKey is the same for
// groups whose fix is the same edit of the same resource.
func (r *run) commentTarget(g review.Group) (at review.Lines, sg *review.Suggestion, fixKey string) {
	p := g.Primary()
	if p.Finding.Fix != nil && !p.Anchor.IsZero() {
		if s, err := review.LineSuggestion(r.report.Sources, p.Finding, r.scope); err == nil {
			fixKey = strings.Join([]string{p.Finding.Resource, s.Lines.Path, fmt.Sprint(s.Lines.Start, s.Lines.End), s.Text}, "\x00")
			if s.MatchesDiff(r.scope) && r.scope.HasAdded(s.Lines) {
				return s.Lines, &s, fixKey
			}
		}
	}
	at = g.Anchor()
	if !r.scope.HasAdded(at) {
		at = r.scope.FirstAdded(g)
	}
	return at, nil, fixKey
}

func (r *run) draft(c *reviewComment) *gh.DraftReviewComment {
	at := c.at
	d := &gh.DraftReviewComment{
		Path: new(at.Path),
		Side: new("RIGHT"),
		Line: new(at.End),
		Body: new(r.commentBody(c.groups[0], at, c.sg, c.groups[1:])),
	}
	if at.Start < at.End {
		d.StartLine = new(at.Start)
		d.StartSide = new("RIGHT")
	}
	return d
}

// commentBody renders one review comment. Every piece that comes from the
// pull request goes through Text or Code; the suggestion sits in a code
// fence longer than any backtick run in it.
func (r *run) commentBody(g review.Group, at review.Lines, sg *review.Suggestion, sameFix []review.Group) string {
	p := g.Primary()
	f := p.Finding
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** %s — %s\n\n", severityLabel(g.Severity()), Link(f.RuleID, f.DocURL()), Text(f.Title))
	b.WriteString(Text(Truncate(f.Message, 2000)) + "\n\n")
	if inst := g.Instances(); len(inst) == 1 {
		b.WriteString("**Resource:** " + Code(inst[0]) + "\n")
	} else if len(inst) > 1 {
		shown := inst[:min(len(inst), 20)]
		fmt.Fprintf(&b, "**Instances (%d):**", len(inst))
		for _, a := range shown {
			b.WriteString(" " + Code(a))
		}
		if len(inst) > len(shown) {
			fmt.Fprintf(&b, " and %d more", len(inst)-len(shown))
		}
		b.WriteString("\n")
	}
	if len(sameFix) > 0 {
		b.WriteString("**The same fix also addresses:**\n")
		for _, o := range sameFix {
			of := o.Primary().Finding
			fmt.Fprintf(&b, "- %s %s — %s\n", severityLabel(o.Severity()), Link(of.RuleID, of.DocURL()), Text(of.Title))
		}
	}
	if at.Path == p.Path && (f.Range.Start.Line != at.Start || max(f.Range.End.Line, f.Range.Start.Line) != at.End) && sg == nil {
		fmt.Fprintf(&b, "**Lines:** %s\n", r.links.location(p.Path, f.Range))
	}
	if at.Path != p.Path {
		fmt.Fprintf(&b, "**In module code:** %s, reached through this module call.\n", r.links.location(p.Path, f.Range))
	}
	if f.ExpiredIgnore != nil {
		fmt.Fprintf(&b, "**An ignore for this expired on %s.**\n", Text(f.ExpiredIgnore.Expires))
	}
	if sg != nil {
		desc := "Suggested fix"
		if f.Fix.Description != "" {
			desc = Text(f.Fix.Description)
		}
		block := "\n" + desc + ":\n\n" + sg.Block()
		if b.Len()+len(block) < MaxCommentBody-1024 {
			b.WriteString(block)
		}
	} else {
		if f.Resolution != "" {
			b.WriteString("\n**Resolution:** " + Text(Truncate(f.Resolution, 1000)) + "\n")
		}
		if f.Fix != nil {
			// No suggested change (outside the diff, or lines that cannot be
			// fenced safely), but the fix is still there.
			b.WriteString("\nA fix is available: run `tfreview fix`.\n")
		}
	}
	body := Truncate(b.String(), MaxCommentBody-512)
	return body + "\n" + serviceutil.BuildMetaComment(g.Fingerprint(), r.markerName()) + "\n"
}

func (r *run) reviewBody(plan reviewPlan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**: %d %s %s", Text(r.tool), review.CountItems(r.in), plural(review.CountItems(r.in), "finding"), "in the changed code")
	fmt.Fprintf(&b, "; %d new %s below", len(plan.drafts), plural(len(plan.drafts), "comment"))
	if r.res.AlreadyPosted > 0 {
		fmt.Fprintf(&b, "; %d already commented by an earlier run", r.res.AlreadyPosted)
	}
	b.WriteString(".\n")
	if len(plan.left) > 0 {
		s := r.summary(false)
		s.In, s.Out = plan.left, nil
		s.MaxGroups = MaxSummaryGroups
		w := &budget{limit: MaxSummaryBody - footerRoom - b.Len()}
		s.writeGroups(w, fmt.Sprintf("%d not commented on a line", review.CountItems(plan.left)), plan.left, true, true)
		b.WriteString("\n" + w.b.String())
		if w.omitted > 0 {
			fmt.Fprintf(&b, "%d more are in the job summary", w.omitted)
			if r.fullURL != "" {
				b.WriteString(": " + Link("workflow run", r.fullURL))
			}
			b.WriteString(".\n")
		}
	}
	return b.String()
}

// handleOutdated resolves (edits) or deletes our comments that no longer
// apply. A comment someone replied to is edited, never deleted.
func (r *run) handleOutdated(ctx context.Context, plan reviewPlan) error {
	mode := r.reviewOpts.Outdated
	if mode == "" {
		mode = OutdatedResolve
	}
	if mode == OutdatedKeep {
		return nil
	}
	for _, c := range plan.outdated {
		if mode == OutdatedDelete && !plan.replied[c.GetID()] {
			if _, err := r.cli.PullRequests.DeleteComment(ctx, r.rc.Owner, r.rc.Repo, c.GetID()); err != nil {
				return apiError(fmt.Sprintf("delete outdated comment %d", c.GetID()), err, r.token)
			}
			r.res.Outdated++
			continue
		}
		body := resolvedBody(c.GetBody(), r.tool, r.markerName(), r.rc.HeadSHA)
		if _, _, err := r.cli.PullRequests.UpdateComment(ctx, r.rc.Owner, r.rc.Repo, c.GetID(), gh.UpdatePullRequestCommentRequest{Body: body}); err != nil {
			return apiError(fmt.Sprintf("resolve outdated comment %d", c.GetID()), err, r.token)
		}
		r.res.Outdated++
	}
	return nil
}

// resolvedBody keeps the first line of our old comment, struck through.
func resolvedBody(old, tool, marker, sha string) string {
	meta := serviceutil.ExtractMetaComment(old)
	first, _, _ := strings.Cut(old, "\n")
	first = Truncate(strings.TrimSpace(first), 1000)
	short := sha
	if len(short) > 7 {
		short = short[:7]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "✅ **Resolved**: %s no longer reports this at %s.\n\n", Text(tool), Code(short))
	if strings.HasPrefix(first, "**") {
		b.WriteString("~~" + first + "~~\n")
	}
	b.WriteString("\n" + serviceutil.BuildMetaComment(meta.GetFingerprint(), marker+resolvedSuffix) + "\n")
	return b.String()
}

// anyBot stands for "the token's identity is a bot we cannot name": the
// Actions token (github-actions[bot]) and GitHub App installation tokens
// (<app>[bot]) may not call GET /user.
const anyBot = "*[bot]"

// isOurs reports whether a comment was written by the account this run
// posts as: the CommentAuthor option, else the token's user, else — when
// GitHub will not say — any bot account. Someone opening or commenting on a
// pull request cannot write as a bot of the base repository, so a
// look-alike comment cannot silence a finding or take the summary's place.
func (r *run) isOurs(ctx context.Context, u *gh.User) (bool, error) {
	if r.author == "" {
		switch {
		case r.opts.CommentAuthor != "":
			r.author = r.opts.CommentAuthor
		default:
			me, _, err := r.cli.Users.Get(ctx, "")
			switch {
			case err == nil && me.GetLogin() != "":
				r.author = me.GetLogin()
			case err == nil || isPermissionError(apiError("get user", err)):
				r.author = anyBot
			default:
				return false, apiError("get authenticated user", err, r.token)
			}
		}
	}
	if r.author == anyBot {
		return u.GetType() == "Bot" && strings.HasSuffix(u.GetLogin(), "[bot]"), nil
	}
	return strings.EqualFold(u.GetLogin(), r.author), nil
}
