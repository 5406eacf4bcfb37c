package lifecycle

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tfreview/tfreview/finding"
)

// Action is what a run does to one ticket.
type Action string

const (
	Create    Action = "create"    // a new group: file a ticket
	Update    Action = "update"    // still there, but what the ticket shows changed
	Close     Action = "close"     // gone: "fixed in <commit>" and close
	Reopen    Action = "reopen"    // back after a close (fixed, or an ignore expired)
	Accept    Action = "accept"    // suppressed: close as accepted risk, quoting the reason
	Unchanged Action = "unchanged" // nothing to do
	// CloseDuplicate closes a ticket another run filed for the same group
	// at the same time; the lowest ticket number is kept.
	CloseDuplicate Action = "close-duplicate"
)

// Ticket is what a tracker (or the ledger, with no tracker) already holds
// for a group.
type Ticket struct {
	Key    string `json:"key"`
	Digest string `json:"digest,omitempty"` // "" when unknown: never triggers an update
	ID     string `json:"id"`               // "42" on GitHub, "SEC-7" on JIRA
	URL    string `json:"url,omitempty"`
	Open   bool   `json:"open"`
	// Accepted is set on a ticket closed as an accepted risk.
	Accepted bool `json:"accepted,omitempty"`
	// Order sorts tickets of one key: the oldest (lowest) is kept.
	Order int64 `json:"-"`
	// Title and Severity describe a ticket whose group is gone (for the
	// "fixed" lines of notifications), as the tracker or ledger has them.
	Title    string           `json:"title,omitempty"`
	Severity finding.Severity `json:"severity,omitempty"`
}

// Change is one step of a plan.
type Change struct {
	Action Action  `json:"action"`
	Key    string  `json:"key"`
	Group  *Group  `json:"group,omitempty"`  // nil on Close and CloseDuplicate
	Ticket *Ticket `json:"ticket,omitempty"` // nil on Create
	// Of is the ticket a CloseDuplicate is a duplicate of.
	Of *Ticket `json:"of,omitempty"`
	// Commit is the revision the run scanned (for "fixed in").
	Commit string `json:"commit,omitempty"`
}

// Plan is every change of one run, most severe first, closes last.
type Plan struct {
	Commit  string   `json:"commit"`
	Changes []Change `json:"changes"`
}

// Reconcile compares the groups of this scan with the tickets the tracker
// holds. Tickets are matched by Key; of several tickets with one key (two
// runs raced) the open one with the lowest Order counts.
func Reconcile(groups []Group, tickets []Ticket, commit string) Plan {
	byKey := map[string]Ticket{}
	for _, t := range tickets {
		cur, ok := byKey[t.Key]
		if !ok || (t.Open && !cur.Open) || (t.Open == cur.Open && t.Order < cur.Order) {
			byKey[t.Key] = t
		}
	}
	p := Plan{Commit: commit}
	seen := map[string]bool{}
	for i := range groups {
		g := &groups[i]
		seen[g.Key] = true
		c := Change{Key: g.Key, Group: g, Commit: commit, Action: Unchanged}
		t, ok := byKey[g.Key]
		if ok {
			c.Ticket = &t
		}
		switch {
		case g.Accepted != nil:
			if ok && !t.Accepted {
				c.Action = Accept
			}
		case !ok:
			c.Action = Create
		case !t.Open:
			c.Action = Reopen
		case t.Digest != "" && t.Digest != g.Digest():
			c.Action = Update
		}
		p.Changes = append(p.Changes, c)
	}
	var gone []Change
	for _, t := range byKey {
		if !seen[t.Key] && t.Open {
			gone = append(gone, Change{Action: Close, Key: t.Key, Ticket: &t, Commit: commit})
		}
	}
	slices.SortFunc(gone, func(a, b Change) int { return cmp.Compare(a.Ticket.ID, b.Ticket.ID) })
	p.Changes = append(p.Changes, gone...)
	return p
}

// Incomplete says why a scan cannot tell that a finding is gone — a file
// that did not parse, an evaluation or engine that gave up — or "". Its
// findings are missing for a reason other than a fix.
func Incomplete(r finding.Report) string {
	for _, f := range r.Findings {
		if f.Suppressed == nil && (f.RuleID == "TFR-PARSE" || f.RuleID == "TFR-EVAL") {
			return f.RuleID + " in " + f.Range.File
		}
	}
	for _, n := range r.Notes {
		if n.Kind == finding.NoteEngineError || n.Kind == finding.NoteLimit {
			return string(n.Kind)
		}
	}
	return ""
}

// HoldCloses turns every Close into Unchanged, for a scan that was
// incomplete: a ticket is closed as fixed only when a complete scan no
// longer finds it. It returns how many were held.
func (p *Plan) HoldCloses() int {
	n := 0
	for i := range p.Changes {
		if p.Changes[i].Action == Close {
			p.Changes[i].Action = Unchanged
			n++
		}
	}
	return n
}

// Count is the number of changes with action a.
func (p Plan) Count(a Action) int {
	n := 0
	for _, c := range p.Changes {
		if c.Action == a {
			n++
		}
	}
	return n
}

// Write prints the plan for --dry-run: one line per change that does
// something, then the counts. Text from findings is quoted with %q, so a
// crafted name cannot forge lines.
func (p Plan) Write(w io.Writer) error {
	var b strings.Builder
	for _, c := range p.Changes {
		if c.Action == Unchanged {
			continue
		}
		ticket := ""
		if c.Ticket != nil {
			ticket = " #" + c.Ticket.ID
		}
		if c.Group != nil {
			fmt.Fprintf(&b, "%-9s%s %s %s %q %s:%d (%d instances) owner=%q\n", c.Action, ticket, c.Group.Severity, c.Group.RuleID, c.Group.Resource, c.Group.File, c.Group.Line, len(c.Group.Instances), c.Group.Route.Owner)
		} else {
			fmt.Fprintf(&b, "%-9s%s key=%s\n", c.Action, ticket, c.Key)
		}
	}
	fmt.Fprintf(&b, "plan: %d to create, %d to update, %d to close, %d to reopen, %d to accept, %d unchanged\n",
		p.Count(Create), p.Count(Update), p.Count(Close), p.Count(Reopen), p.Count(Accept), p.Count(Unchanged))
	_, err := io.WriteString(w, b.String())
	return err
}

// Tracker is where tickets live. List returns every ticket tfreview filed
// (one listing per call, never one search per finding); Apply carries out
// one change and returns the ticket as it now is.
type Tracker interface {
	List(ctx context.Context) ([]Ticket, error)
	Apply(ctx context.Context, c Change) (Ticket, error)
}

// Applied is the outcome of Apply: the ticket of every key that has one.
type Applied struct {
	Tickets map[string]Ticket
	// Done lists the changes carried out, in order.
	Done []Change
	// Skipped counts creates left out because another run had filed the
	// ticket meanwhile.
	Skipped int
}

// Apply carries out the plan on t. Right before creating, it lists the
// tickets again and skips the groups another run has filed since the plan
// was made; after creating, it lists once more and closes duplicates that
// a run racing this one filed (the oldest ticket is kept, by both runs).
// It stops at the first error and returns what was done until then.
func Apply(ctx context.Context, t Tracker, p Plan) (Applied, error) {
	out := Applied{Tickets: map[string]Ticket{}}
	for _, c := range p.Changes {
		if c.Ticket != nil {
			out.Tickets[c.Key] = *c.Ticket
		}
	}
	var creates []Change
	for _, c := range p.Changes {
		switch c.Action {
		case Unchanged:
			continue
		case Create:
			creates = append(creates, c)
			continue
		}
		tk, err := t.Apply(ctx, c)
		if err != nil {
			return out, fmt.Errorf("%s ticket %s: %w", c.Action, ticketID(c), err)
		}
		out.Tickets[c.Key] = tk
		out.Done = append(out.Done, c)
	}
	if len(creates) == 0 {
		return out, nil
	}
	fresh, err := t.List(ctx)
	if err != nil {
		return out, fmt.Errorf("list tickets before creating: %w", err)
	}
	filed := map[string]bool{}
	for _, tk := range fresh {
		filed[tk.Key] = true
	}
	for _, c := range creates {
		if filed[c.Key] {
			out.Skipped++
			continue
		}
		tk, err := t.Apply(ctx, c)
		if err != nil {
			return out, fmt.Errorf("create ticket for %s %s: %w", c.Group.RuleID, c.Group.Resource, err)
		}
		out.Tickets[c.Key] = tk
		out.Done = append(out.Done, c)
	}
	after, err := t.List(ctx)
	if err != nil {
		return out, fmt.Errorf("list tickets after creating: %w", err)
	}
	var errs []error
	for _, c := range Duplicates(after) {
		if _, err := t.Apply(ctx, c); err != nil {
			errs = append(errs, fmt.Errorf("close duplicate %s: %w", c.Ticket.ID, err))
			continue
		}
		out.Tickets[c.Key] = *c.Of
		out.Done = append(out.Done, c)
	}
	return out, errors.Join(errs...)
}

// Duplicates are the open tickets of a key that has an older one: the
// changes that close them.
func Duplicates(tickets []Ticket) []Change {
	byKey := map[string][]Ticket{}
	for _, t := range tickets {
		byKey[t.Key] = append(byKey[t.Key], t)
	}
	var out []Change
	for k, ts := range byKey {
		if len(ts) < 2 {
			continue
		}
		// Keep the oldest open ticket: a closed one of the key is history.
		slices.SortFunc(ts, func(a, b Ticket) int { return cmp.Or(boolFirst(a.Open, b.Open), cmp.Compare(a.Order, b.Order)) })
		keep := ts[0]
		for _, d := range ts[1:] {
			if d.Open {
				d := d
				out = append(out, Change{Action: CloseDuplicate, Key: k, Ticket: &d, Of: &keep})
			}
		}
	}
	slices.SortFunc(out, func(a, b Change) int { return cmp.Compare(a.Ticket.Order, b.Ticket.Order) })
	return out
}

func ticketID(c Change) string {
	if c.Ticket == nil {
		return "(new)"
	}
	return c.Ticket.ID
}

func boolFirst(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}
