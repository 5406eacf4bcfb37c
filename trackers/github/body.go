package github

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/tfreview/tfreview/lifecycle"
	md "github.com/tfreview/tfreview/reporters/github"
)

// maxInstancesShown bounds the instance list, so a for_each over thousands
// of keys cannot push the body past GitHub's limit.
const maxInstancesShown = 50

// Title is the issue title: severity, check and resource. Titles are plain
// text on GitHub (no mentions, no Markdown), so only line breaks and
// controls are dropped and the length is bounded.
func Title(g lifecycle.Group) string {
	where := g.Resource
	if where == "" {
		where = g.File
	}
	t := fmt.Sprintf("[%s] %s: %s on %s", g.Severity, g.RuleID, g.Title, where)
	return md.Truncate(oneLine(t), 240)
}

// permalinks builds links to lines at the scanned commit.
type permalinks func(file string, line int) string

func (t *Tracker) permalinks(commit string) permalinks {
	return func(file string, line int) string {
		if commit == "" {
			return ""
		}
		p := path.Join(t.opts.PathPrefix, file)
		segs := strings.Split(p, "/")
		for i, s := range segs {
			segs[i] = url.PathEscape(s)
		}
		return fmt.Sprintf("%s/%s/%s/blob/%s/%s#L%d", t.opts.ServerURL, url.PathEscape(t.owner), url.PathEscape(t.repo), url.PathEscape(commit), strings.Join(segs, "/"), line)
	}
}

// Body renders the issue body. Every string from a finding is escaped with
// the reporters' Markdown helpers (no mentions, links, HTML or issue
// references); the marker that identifies the issue ends the body.
func Body(g lifecycle.Group, link permalinks) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** %s — %s\n\n", g.Severity, md.Code(g.RuleID), md.Text(g.Title))
	if g.Resource != "" {
		fmt.Fprintf(&b, "**Resource:** %s\n", md.Code(g.Resource))
	}
	loc := fmt.Sprintf("%s:%d", g.File, g.Line)
	if link != nil && link(g.File, g.Line) != "" {
		fmt.Fprintf(&b, "**Location:** %s\n", md.Link(loc, link(g.File, g.Line)))
	} else {
		fmt.Fprintf(&b, "**Location:** %s\n", md.Code(loc))
	}
	if g.Route.Owner != "" {
		fmt.Fprintf(&b, "**Owner:** %s\n", md.Code(g.Route.Owner))
	}
	fmt.Fprintf(&b, "\n%s\n", md.Text(g.Message))
	if len(g.Instances) > 1 {
		fmt.Fprintf(&b, "\n### Instances (%d)\n\n", len(g.Instances))
		for i, in := range g.Instances {
			if i == maxInstancesShown {
				fmt.Fprintf(&b, "- … and %d more\n", len(g.Instances)-i)
				break
			}
			name := in.Address
			if in.Attribute != "" {
				name += " " + in.Attribute
			}
			l := fmt.Sprintf("%s:%d", in.File, in.Line)
			if link != nil && link(in.File, in.Line) != "" {
				l = md.Link(l, link(in.File, in.Line))
			} else {
				l = md.Code(l)
			}
			fmt.Fprintf(&b, "- %s at %s\n", md.Code(name), l)
		}
	}
	if g.FixDiff != "" {
		fmt.Fprintf(&b, "\n### Suggested fix\n\n%s\n", fence("diff", g.FixDiff))
	}
	if g.Resolution != "" {
		fmt.Fprintf(&b, "\n**Resolution:** %s\n", md.Text(g.Resolution))
	}
	if g.DocURL != "" {
		fmt.Fprintf(&b, "\n%s\n", md.Link("Documentation for "+g.RuleID, g.DocURL))
	}
	if g.Accepted != nil {
		fmt.Fprintf(&b, "\n**Accepted risk:** %s\n", quote(g.Accepted.Reason))
	}
	body := md.Truncate(b.String(), maxBody)
	return body + "\n\n_Filed and kept up to date by tfreview; edits to this body are overwritten._\n" + marker(g.Key, g.Digest()) + "\n"
}

// fence wraps untrusted text in a code block whose fence is longer than any
// backtick run inside it, so the text cannot close it.
func fence(lang, s string) string {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", max(3, longest+1))
	return f + lang + "\n" + strings.TrimRight(s, "\n") + "\n" + f
}

func quote(s string) string {
	if s == "" {
		return "_(no reason given)_"
	}
	return md.Text(s)
}

func code(s string) string { return md.Code(s) }

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
}
