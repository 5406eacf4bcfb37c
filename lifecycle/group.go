// Package lifecycle turns a scan into tickets, kept in step across runs:
// findings are grouped by identity (check, resource address), routed to an
// owner, and reconciled with the tickets a tracker already holds into a
// Plan (create, update, close, reopen, accept, unchanged). The plan is
// plain data: `track --dry-run` prints it, one small adapter per tracker
// applies it, and the ledger, the notifications and the weekly report read
// it.
package lifecycle

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/tfreview/tfreview/finding"
)

// Instance is one finding of a group: one count/for_each instance, or the
// resource reached through one module call.
type Instance struct {
	Address     string `json:"address,omitempty"`
	File        string `json:"file"`
	Line        int    `json:"line"`
	Attribute   string `json:"attribute,omitempty"`
	Fingerprint string `json:"fingerprint"`
}

// Group is what one ticket is about: one check at one place.
type Group struct {
	// Key is the ticket's identity (see KeyOf), stored in the ticket.
	Key        string           `json:"key"`
	RuleID     string           `json:"rule_id"`
	Severity   finding.Severity `json:"severity"`
	Title      string           `json:"title"`
	Message    string           `json:"message"`
	Resolution string           `json:"resolution,omitempty"`
	DocURL     string           `json:"doc_url,omitempty"`
	// Resource is the address without instance keys, as the first
	// instance has it (module.a.aws_s3_bucket.b).
	Resource  string       `json:"resource,omitempty"`
	File      string       `json:"file"`
	Line      int          `json:"line"`
	Instances []Instance   `json:"instances"`
	Fix       *finding.Fix `json:"fix,omitempty"`
	// FixDiff is Fix as a unified diff, when the sources were at hand.
	FixDiff string `json:"fix_diff,omitempty"`
	// Accepted is set when every instance is suppressed: the risk was
	// accepted, with Accepted.Reason as the why.
	Accepted *finding.Suppression `json:"accepted,omitempty"`
	Route    Route                `json:"route"`
}

// KeyOf is the identity of the ticket a finding belongs to. With a
// resource address it hashes the check, the directory of the module that
// declares the resource and the address without module calls and instance
// keys: every count/for_each instance, and every call of one module, is
// one ticket, and moving lines or files within the module keeps it.
// Without an address it is the finding's own FingerprintOf.
func KeyOf(f finding.Finding) string {
	if f.Resource == "" {
		return finding.FingerprintOf(f)
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{"tfreview-track/1", f.RuleID, path.Dir(f.Range.File), localAddress(f.Resource)}, "\x00")))
	return hex.EncodeToString(sum[:16])
}

// GroupFindings groups fs by KeyOf. A group is active when any of its
// instances is, and then lists only the active ones; a group with every
// instance suppressed is Accepted. Findings suppressed because they were
// already present at a --new-since base are not tracked decisions and are
// treated as active. Groups come out most severe first, then by file and
// line.
func GroupFindings(fs []finding.Finding) []Group {
	type acc struct {
		active, suppressed []finding.Finding
	}
	byKey := map[string]*acc{}
	var order []string
	for _, f := range fs {
		k := KeyOf(f)
		a, ok := byKey[k]
		if !ok {
			a = &acc{}
			byKey[k] = a
			order = append(order, k)
		}
		if f.Suppressed != nil && f.Suppressed.Kind != "new-since" {
			a.suppressed = append(a.suppressed, f)
		} else {
			a.active = append(a.active, f)
		}
	}
	out := make([]Group, 0, len(order))
	for _, k := range order {
		a := byKey[k]
		members := a.active
		var accepted *finding.Suppression
		if len(members) == 0 {
			members = a.suppressed
			s := *members[0].Suppressed
			accepted = &s
		}
		finding.Sort(members)
		first := members[0]
		g := Group{
			Key: k, RuleID: first.RuleID, Title: first.Title, Message: first.Message,
			Resolution: first.Resolution, DocURL: first.DocURL(),
			Resource: instanceFree(first.Resource), File: first.Range.File, Line: first.Range.Start.Line,
			Accepted: accepted,
		}
		for _, f := range members {
			g.Severity = max(g.Severity, f.Severity)
			if g.Fix == nil && f.Fix != nil {
				g.Fix = f.Fix
			}
			fp := f.Fingerprint
			if fp == "" {
				fp = finding.FingerprintOf(f)
			}
			g.Instances = append(g.Instances, Instance{Address: f.Resource, File: f.Range.File, Line: f.Range.Start.Line, Attribute: f.AttributePath, Fingerprint: fp})
		}
		out = append(out, g)
	}
	slices.SortStableFunc(out, func(a, b Group) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Key, b.Key))
	})
	return out
}

// instanceFree drops instance keys but keeps module calls:
// module.a["x"].aws_s3_bucket.b[0] → module.a.aws_s3_bucket.b.
func instanceFree(addr string) string {
	var b strings.Builder
	depth, inStr, esc := 0, false, false
	for _, r := range addr {
		switch {
		case inStr && esc:
			esc = false
		case inStr && r == '\\':
			esc = true
		case r == '"' && depth > 0:
			inStr = !inStr
		case !inStr && r == '[':
			depth++
		case !inStr && r == ']' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// localAddress drops instance keys and module calls:
// module.a["x"].aws_s3_bucket.b[0] → aws_s3_bucket.b.
func localAddress(addr string) string {
	a := instanceFree(addr)
	for strings.HasPrefix(a, "module.") {
		rest := a[len("module."):]
		i := strings.IndexByte(rest, '.')
		if i < 0 {
			break
		}
		a = rest[i+1:]
	}
	return a
}

// Digest summarises what a ticket shows of the group, so a rerun updates a
// ticket only when its content would change.
func (g Group) Digest() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%d\x00%t\x00", g.Severity, g.Title, g.Message, g.Resource, g.File, g.Line, g.Fix != nil)
	for _, in := range g.Instances {
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00%s\x00", in.Address, in.File, in.Line, in.Attribute)
	}
	if g.Accepted != nil {
		fmt.Fprintf(h, "accepted\x00%s\x00%s\x00", g.Accepted.Reason, g.Accepted.Expires)
	}
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", strings.Join(g.Route.Assignees, ","), strings.Join(g.Route.Labels, ","), g.Route.Owner)
	return hex.EncodeToString(h.Sum(nil)[:8])
}
