package lifecycle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"gopkg.in/yaml.v3"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/reporters/review"
)

// Route says who owns a group and how its ticket is filed.
type Route struct {
	// Owner names the team in the ledger and the weekly report.
	Owner string `json:"owner,omitempty"`
	// Assignees are GitHub logins (without @) or JIRA account IDs.
	Assignees []string `json:"assignees,omitempty"`
	Labels    []string `json:"labels,omitempty"`
	// Mention are who notifications name: @user, @org/team, or a Slack
	// mention such as <!subteam^S0123> or <@U0123>.
	Mention []string   `json:"mention,omitempty"`
	Jira    JiraFields `json:"jira,omitzero"`
}

// JiraFields are where a JIRA ticket is filed.
type JiraFields struct {
	Project   string `yaml:"project" json:"project,omitempty"`
	IssueType string `yaml:"issue_type" json:"issue_type,omitempty"`
	Component string `yaml:"component" json:"component,omitempty"`
	Priority  string `yaml:"priority" json:"priority,omitempty"`
}

// RouteRule is one entry of `track.routes` in .tfreview.yaml. The first
// rule that matches a group routes it.
type RouteRule struct {
	// Severity is one severity (CRITICAL), at or above one (HIGH+), or a
	// range (MEDIUM..HIGH); empty means any.
	Severity string   `yaml:"severity"`
	Paths    []string `yaml:"paths"`
	Owner    string   `yaml:"owner"`
	// Codeowners adds the CODEOWNERS owners of the group's file to
	// Mention, and the users among them to Assignees.
	Codeowners bool       `yaml:"codeowners"`
	Assignees  []string   `yaml:"assignees"`
	Labels     []string   `yaml:"labels"`
	Mention    []string   `yaml:"mention"`
	Jira       JiraFields `yaml:"jira"`

	min, max finding.Severity
}

// Settings is the `track:` key of .tfreview.yaml.
type Settings struct {
	// Labels go on every ticket, besides the tfreview label.
	Labels []string    `yaml:"labels"`
	Routes []RouteRule `yaml:"routes"`
	Jira   JiraConfig  `yaml:"jira"`
}

// JiraConfig names the workflow statuses tickets are moved to.
type JiraConfig struct {
	DoneStatus   string `yaml:"done_status"`   // default Done
	ReopenStatus string `yaml:"reopen_status"` // default To Do
	// AcceptedStatus is where accepted risks go (default DoneStatus).
	AcceptedStatus string     `yaml:"accepted_status"`
	Defaults       JiraFields `yaml:"defaults"`
}

// ParseSettings decodes the `track:` node strictly: an unknown key is an
// error, as everywhere in the config file.
func ParseSettings(node *yaml.Node) (Settings, error) {
	var s Settings
	if node == nil || node.Kind == 0 {
		return s, nil
	}
	raw, err := yaml.Marshal(node)
	if err != nil {
		return s, fmt.Errorf("track: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
		return s, fmt.Errorf("track: %w", err)
	}
	for i := range s.Routes {
		if err := s.Routes[i].compile(); err != nil {
			return s, fmt.Errorf("track.routes[%d]: %w", i, err)
		}
	}
	for _, l := range s.Labels {
		if !validLabel(l) {
			return s, fmt.Errorf("track.labels: bad label %q", l)
		}
	}
	return s, nil
}

var (
	slackMentionRE = regexp.MustCompile(`^<(@[UW][A-Z0-9]{2,20}|!subteam\^[A-Z0-9]{2,20}|!here|!channel)>$`)
	loginRE        = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}$`)
	jiraAccountRE  = regexp.MustCompile(`^[A-Za-z0-9:._@-]{1,128}$`)
)

func validLabel(l string) bool {
	return strings.TrimSpace(l) != "" && len(l) <= 50 && !strings.ContainsAny(l, "\r\n,")
}

func (r *RouteRule) compile() error {
	r.min, r.max = finding.SeverityUnknown, finding.SeverityCritical
	switch s := strings.TrimSpace(r.Severity); {
	case s == "":
	case strings.HasSuffix(s, "+"):
		v, err := finding.ParseSeverity(strings.TrimSuffix(s, "+"))
		if err != nil {
			return err
		}
		r.min = v
	case strings.Contains(s, ".."):
		lo, hi, _ := strings.Cut(s, "..")
		a, err := finding.ParseSeverity(lo)
		if err != nil {
			return err
		}
		b, err := finding.ParseSeverity(hi)
		if err != nil {
			return err
		}
		if a > b {
			return fmt.Errorf("severity range %q is empty", s)
		}
		r.min, r.max = a, b
	default:
		v, err := finding.ParseSeverity(s)
		if err != nil {
			return err
		}
		r.min, r.max = v, v
	}
	for _, p := range r.Paths {
		if !doublestar.ValidatePattern(p) {
			return fmt.Errorf("bad path glob %q", p)
		}
	}
	for _, a := range r.Assignees {
		if !loginRE.MatchString(a) && !jiraAccountRE.MatchString(a) {
			return fmt.Errorf("bad assignee %q", a)
		}
	}
	for _, m := range r.Mention {
		if !review.ValidMention(m) && !slackMentionRE.MatchString(m) {
			return fmt.Errorf("mention %q is not @user, @org/team or a Slack <@U…>/<!subteam^…>", m)
		}
	}
	for _, l := range r.Labels {
		if !validLabel(l) {
			return fmt.Errorf("bad label %q", l)
		}
	}
	return nil
}

func (r RouteRule) matches(g Group) bool {
	if g.Severity < r.min || g.Severity > r.max {
		return false
	}
	if len(r.Paths) == 0 {
		return true
	}
	for _, in := range g.Instances {
		for _, p := range r.Paths {
			if ok, _ := doublestar.Match(p, in.File); ok {
				return true
			}
		}
	}
	return false
}

// Router routes groups: the first matching `track.routes` rule; without
// routes, every matching `owners` rule (at or above its severity), as the
// pull-request summary routes.
type Router struct {
	Settings   Settings
	Owners     []review.OwnerRule
	CodeOwners *review.CodeOwners // nil when the repository has none
}

// Route sets g.Route for every group.
func (rt Router) Route(gs []Group) {
	for i := range gs {
		gs[i].Route = rt.route(gs[i])
		for _, l := range rt.Settings.Labels {
			gs[i].Route.Labels = appendNew(gs[i].Route.Labels, l)
		}
	}
}

func (rt Router) route(g Group) Route {
	for _, r := range rt.Settings.Routes {
		if !r.matches(g) {
			continue
		}
		out := Route{Owner: r.Owner, Jira: r.Jira}
		out.Assignees = slices.Clone(r.Assignees)
		out.Labels = slices.Clone(r.Labels)
		out.Mention = slices.Clone(r.Mention)
		if r.Codeowners && rt.CodeOwners != nil {
			for _, o := range rt.CodeOwners.Owners(g.File) {
				if !review.ValidMention(o) {
					continue // an e-mail address is no GitHub identity
				}
				out.Mention = appendNew(out.Mention, o)
				if !strings.Contains(o, "/") {
					out.Assignees = appendNew(out.Assignees, strings.TrimPrefix(o, "@"))
				}
				if out.Owner == "" {
					out.Owner = o
				}
			}
		}
		out.Jira = mergeJira(out.Jira, rt.Settings.Jira.Defaults)
		return out
	}
	out := Route{Jira: rt.Settings.Jira.Defaults}
	for _, r := range rt.Owners {
		if r.Severity != finding.SeverityUnknown && g.Severity < r.Severity {
			continue
		}
		if len(r.Paths) > 0 && !(RouteRule{Paths: r.Paths, max: finding.SeverityCritical}).matches(g) {
			continue
		}
		for _, m := range r.Mention {
			out.Mention = appendNew(out.Mention, m)
			if !strings.Contains(m, "/") {
				out.Assignees = appendNew(out.Assignees, strings.TrimPrefix(m, "@"))
			}
			if out.Owner == "" {
				out.Owner = m
			}
		}
		for _, l := range r.Labels {
			out.Labels = appendNew(out.Labels, l)
		}
	}
	return out
}

func mergeJira(a, def JiraFields) JiraFields {
	if a.Project == "" {
		a.Project = def.Project
	}
	if a.IssueType == "" {
		a.IssueType = def.IssueType
	}
	if a.Component == "" {
		a.Component = def.Component
	}
	if a.Priority == "" {
		a.Priority = def.Priority
	}
	return a
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
