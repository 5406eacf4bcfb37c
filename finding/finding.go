// Package finding is the one result model shared by every engine, formatter
// and reporter. It depends on nothing else in tfreview.
package finding

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Engine names where a finding came from.
type Engine string

const (
	EngineTrivy   Engine = "trivy"
	EngineBuiltin Engine = "builtin"
	// EngineCore is tfreview itself: parse errors, unused ignores.
	EngineCore Engine = "tfreview"
)

// Position is a point in a file. Line and Column count from 1; Column counts
// UTF-8 bytes (reviewdog's rdjson contract). Column 0 means the engine only
// knows the line (Trivy's ranges are line-only). Byte is the 0-based byte
// offset in the file, or -1 when unknown.
type Position struct {
	Line   int `json:"line"`
	Column int `json:"column,omitempty"`
	Byte   int `json:"-"`
}

// Range is a span of one file. File is relative to the scanned root and uses
// forward slashes.
type Range struct {
	File  string   `json:"file"`
	Start Position `json:"start"`
	End   Position `json:"end"`
}

// HasColumns reports whether the range is more precise than whole lines.
func (r Range) HasColumns() bool { return r.Start.Column > 0 }

// TextEdit replaces the bytes of Range (Start.Byte to End.Byte, also given as
// line/column) with NewText. Start == End is an insertion.
type TextEdit struct {
	Range   Range  `json:"range"`
	NewText string `json:"new_text"`
}

// Fix is an automatic remediation: plain data, applied by the caller.
type Fix struct {
	Description string     `json:"description"`
	Edits       []TextEdit `json:"edits"`
}

// Suppression says why a finding was not counted.
type Suppression struct {
	// Kind is the comment prefix that matched: tfreview, trivy or tfsec;
	// or "baseline".
	Kind    string `json:"kind"`
	Reason  string `json:"reason,omitempty"`
	Expires string `json:"expires,omitempty"` // YYYY-MM-DD
	Range   Range  `json:"range"`             // where the ignore comment is
}

// CallSite is a module block through which a finding's code was reached.
type CallSite struct {
	Module string `json:"module"` // e.g. module.vpc
	Range  Range  `json:"range"`
}

// Finding is one problem at one place.
type Finding struct {
	RuleID     string   `json:"rule_id"`
	Aliases    []string `json:"aliases,omitempty"`
	Engine     Engine   `json:"engine"`
	Severity   Severity `json:"severity"`
	Title      string   `json:"title"`
	Message    string   `json:"message"`
	Resolution string   `json:"resolution,omitempty"`
	References []string `json:"references,omitempty"`
	Provider   string   `json:"provider,omitempty"`
	Service    string   `json:"service,omitempty"`

	Range         Range      `json:"range"`
	Resource      string     `json:"resource,omitempty"`       // Terraform address
	AttributePath string     `json:"attribute_path,omitempty"` // e.g. ingress[0].cidr_blocks
	CallSites     []CallSite `json:"call_sites,omitempty"`     // outermost call first

	Fingerprint string `json:"fingerprint"`
	Fix         *Fix   `json:"fix,omitempty"`
	// NoFixReason says why a fixable check offered no fix here.
	NoFixReason string `json:"no_fix_reason,omitempty"`
	// Sensitive says the range holds a secret: outputs must not show the
	// source text under it (the text format masks it in snippets).
	Sensitive bool `json:"sensitive,omitempty"`

	// Suppressed is set when an ignore or baseline matched; the finding is
	// kept so suppressions stay auditable.
	Suppressed *Suppression `json:"suppressed,omitempty"`
	// ExpiredIgnore is set when an ignore matched but its date has passed.
	ExpiredIgnore *Suppression `json:"expired_ignore,omitempty"`
}

// DocURL is the finding's primary reference, or "".
func (f Finding) DocURL() string {
	if len(f.References) == 0 {
		return ""
	}
	return f.References[0]
}

// HasID reports whether id names the finding's rule, by ID or alias,
// case-insensitively.
func (f Finding) HasID(id string) bool {
	if strings.EqualFold(f.RuleID, id) {
		return true
	}
	for _, a := range f.Aliases {
		if strings.EqualFold(a, id) {
			return true
		}
	}
	return false
}

// Fingerprint identifies a finding across edits that do not change its
// substance: rule, resource address and attribute path. Line numbers are
// left out so unrelated edits do not change it; the file is left out when an
// address is known so moving a resource to another file keeps it. Without an
// address (parse errors, file-level checks) the file and the start line are
// used.
func Fingerprint(ruleID, file, resource, attributePath string, line int) string {
	var key string
	if resource != "" {
		key = strings.Join([]string{ruleID, resource, attributePath}, "\x00")
	} else {
		key = strings.Join([]string{ruleID, file, attributePath, fmt.Sprint(line)}, "\x00")
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// Compare orders findings by file, line, column, rule ID, then resource, so
// output is deterministic.
func Compare(a, b Finding) int {
	return cmp.Or(
		cmp.Compare(a.Range.File, b.Range.File),
		cmp.Compare(a.Range.Start.Line, b.Range.Start.Line),
		cmp.Compare(a.Range.Start.Column, b.Range.Start.Column),
		cmp.Compare(a.RuleID, b.RuleID),
		cmp.Compare(a.Resource, b.Resource),
		cmp.Compare(a.Message, b.Message),
	)
}

// Sort orders findings with Compare.
func Sort(fs []Finding) { slices.SortStableFunc(fs, Compare) }
