// Package finding is the one result model shared by every engine, formatter
// and reporter. It depends on nothing else in tfreview.
package finding

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
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
	// "baseline" for an entry of the --baseline file; "new-since" for a
	// finding already present at the --new-since base.
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

	// Fingerprint names the problem across edits: FingerprintOf, made
	// unique in the report by AssignFingerprints (the scanner sets it).
	// Baselines and --new-since match on it (docs/fingerprints.md).
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

	// Cause is set by --new-since on an introduced finding outside the
	// diff when the change that produced it was identified.
	Cause *Cause `json:"cause,omitempty"`
}

// Cause kinds: what changed to make a finding appear away from its own
// lines.
const (
	CauseResource        = "resource"         // the resource's own block changed
	CauseVariable        = "variable"         // a variable block (its default) changed
	CauseTFVars          = "tfvars"           // a line of a loaded .tfvars file changed
	CauseModuleInput     = "module-input"     // an input of a module call changed
	CauseModuleCall      = "module-call"      // the module call was added or changed
	CauseLocal           = "local"            // a local value changed
	CauseReference       = "reference"        // a block the resource refers to changed
	CauseCompanion       = "companion"        // a block referring to the resource changed
	CauseDeletedResource = "deleted-resource" // a block referring to the resource was removed
	CauseDeletedFile     = "deleted-file"     // the file holding such a block was deleted
)

// Cause is the change that made a finding appear. Range is in the head
// version of the file, or, when Deleted is set, in the base version (the
// code no longer exists; review tools comment on the left side).
type Cause struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Range   Range  `json:"range"`
	Deleted bool   `json:"deleted,omitempty"`
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

// FingerprintOf identifies a finding across edits that do not change its
// substance (docs/fingerprints.md). With a resource address it hashes the
// rule, the root module directory, the address and the attribute path: no
// line and no file, so moving lines, reordering resources, moving a
// resource to another file of its module or renaming that file keep it,
// while two root modules with the same address do not collide. Without an
// address (parse errors, ignore hygiene, a root module's missing settings)
// it hashes the rule, the file's directory, the attribute path and the
// message, again without the line, and without the file name, so renaming
// a file or moving the block that holds a module-level problem keeps it.
//
// Two findings can share it (two egress blocks of one security group);
// AssignFingerprints tells them apart.
func FingerprintOf(f Finding) string {
	if f.Resource != "" {
		return hashKey(f.RuleID, RootModuleOf(f), f.Resource, f.AttributePath)
	}
	return hashKey(f.RuleID, path.Dir(f.Range.File), f.AttributePath, f.Message)
}

// AssignFingerprints sorts fs and sets every finding's Fingerprint (see
// Fingerprints).
func AssignFingerprints(fs []Finding) {
	Sort(fs)
	for i, fp := range Fingerprints(fs) {
		fs[i].Fingerprint = fp
	}
}

// Fingerprints returns the fingerprint of each finding, in fs's order:
// FingerprintOf, with repeats suffixed -2, -3, … in Compare order, which is
// stable while the repeated blocks keep their order.
func Fingerprints(fs []Finding) []string {
	order := make([]int, len(fs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return Compare(fs[a], fs[b]) })
	out := make([]string, len(fs))
	count := map[string]int{}
	for _, i := range order {
		fp := FingerprintOf(fs[i])
		n := count[fp] + 1
		count[fp] = n
		if n > 1 {
			fp = fmt.Sprintf("%s-%d", fp, n)
		}
		out[i] = fp
	}
	return out
}

// RootModuleOf is the directory of the root module a finding was reached
// from: that of the outermost module call, or the finding's own file's.
func RootModuleOf(f Finding) string {
	if len(f.CallSites) > 0 && f.CallSites[0].Range.File != "" {
		return path.Dir(f.CallSites[0].Range.File)
	}
	return path.Dir(f.Range.File)
}

func hashKey(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
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
