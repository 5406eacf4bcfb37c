package finding

// NoteKind classifies what could not be checked.
type NoteKind string

const (
	NoteModuleNotLoaded NoteKind = "module-not-loaded"
	NoteVariableUnset   NoteKind = "variable-unset"
	NoteFileSkipped     NoteKind = "file-skipped"
	NoteIgnoreExpired   NoteKind = "ignore-expired"
	NoteEngineError     NoteKind = "engine-error"
	NoteLimit           NoteKind = "limit-exceeded"
	// NoteComparison says --new-since could not compare and every finding
	// is reported (--new-since-fallback=all).
	NoteComparison NoteKind = "comparison-skipped"
)

// Note is something the scan could not check, said instead of silently
// passing.
type Note struct {
	Kind    NoteKind `json:"kind"`
	Message string   `json:"message"`
	Range   Range    `json:"range"` // Range.File may be "" for run-wide notes
}

// Stats says what was scanned.
type Stats struct {
	Files       int      `json:"files"`
	RootModules int      `json:"root_modules"`
	Resources   int      `json:"resources"`
	ChecksRun   int      `json:"checks_run"`
	Engines     []string `json:"engines"`
	// Filtered counts findings below --severity, left out of Findings.
	Filtered int `json:"filtered_below_severity"`
}

// RuleInfo is a check's metadata, for `tfreview checks` and SARIF rules.
type RuleInfo struct {
	ID          string   `json:"id"`
	Aliases     []string `json:"aliases,omitempty"`
	Engine      Engine   `json:"engine"`
	Severity    Severity `json:"severity"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Resolution  string   `json:"resolution,omitempty"`
	References  []string `json:"references,omitempty"`
	Provider    string   `json:"provider,omitempty"`
	Service     string   `json:"service,omitempty"`
	Fixable     bool     `json:"fixable,omitempty"`
}

// Tool names the program that made the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	URI     string `json:"uri,omitempty"`
}

// Report is the outcome of one scan. Findings are sorted with Sort and
// include suppressed ones (Suppressed != nil); formatters decide whether to
// show those.
type Report struct {
	Tool     Tool       `json:"tool"`
	Root     string     `json:"root"` // absolute path of the scanned root, for terminal output only
	Findings []Finding  `json:"findings"`
	Notes    []Note     `json:"notes"`
	Stats    Stats      `json:"stats"`
	Rules    []RuleInfo `json:"rules"` // metadata of every rule that has a finding

	// Comparison is set by --new-since.
	Comparison *Comparison `json:"comparison,omitempty"`
	// Baseline is set by --baseline.
	Baseline *BaselineStatus `json:"baseline,omitempty"`
	// Gate is set by --new-since: what the change does to the settings
	// that judge it.
	Gate *Gate `json:"gate,omitempty"`

	// Sources holds the bytes of every file the scan read, keyed by the
	// path findings use (relative to Root, forward slashes). Formatters
	// and reporters take snippets, UTF-16 columns and suggestions from it
	// and never read the disk: what a scan saw is what its outputs show,
	// even if the tree changed since. A file missing here gets no snippet.
	// It is not part of any output.
	Sources map[string][]byte `json:"-"`
}

// Gate kinds: what a change did to the settings that judge it.
const (
	GateSetting     = "setting"     // a key of the config file changed
	GateBaseline    = "baseline"    // entries added to the baseline file
	GateSuppression = "suppression" // an ignore comment the change added
)

// Gate says where the settings that judged a change came from and what
// the change itself did to them. With --new-since the config file and the
// baseline are read from the base revision (--config-from base), so a pull
// request cannot loosen its own gate; its edits are listed here instead,
// for reviewers, and are not in effect.
type Gate struct {
	// From is "base" (the settings of BaseCommit judged the change) or
	// "head" (--config-from head: the change's own settings).
	From       string       `json:"from"`
	BaseCommit string       `json:"base_commit,omitempty"`
	Changes    []GateChange `json:"changes"`
}

// GateChange is one edit of the gate.
type GateChange struct {
	Kind    string `json:"kind"`    // GateSetting, GateBaseline, GateSuppression
	Subject string `json:"subject"` // the setting, the baseline file, the check ID
	Detail  string `json:"detail"`  // base → head for a setting; the reason of an ignore
	// Range is where an added ignore comment is; empty otherwise.
	Range Range `json:"range"`
	// Applied says whether the edit took effect in this run: false for
	// settings and baselines read from the base, and for an ignore that
	// would hide a finding the change introduced.
	Applied bool `json:"applied"`
}

// Comparison is the outcome of --new-since: the findings of the working
// tree against those of the merge-base of a ref and HEAD, matched by
// fingerprint. Introduced findings are the active ones in Report.Findings;
// unchanged ones stay there suppressed with Kind "new-since".
type Comparison struct {
	Ref        string `json:"ref"`         // as given, e.g. origin/main
	BaseCommit string `json:"base_commit"` // the merge-base, full SHA
	Introduced int    `json:"introduced"`
	Unchanged  int    `json:"unchanged"`
	// Resolved are findings of the base that are gone, located in the
	// base's files.
	Resolved []Finding `json:"resolved"`
	// RootModules scanned on each side: only those the change can affect,
	// unless the working tree was scanned in full before the comparison.
	HeadRootModules int `json:"head_root_modules"`
	BaseRootModules int `json:"base_root_modules"`
	// UnaffectedRootModules of the working tree were not scanned: the
	// change cannot alter their findings, which are all unchanged and not
	// counted in Unchanged.
	UnaffectedRootModules int `json:"unaffected_root_modules"`
	// Skipped is why no comparison was made (--new-since-fallback=all);
	// then every finding is reported and the counts are zero.
	Skipped string `json:"skipped,omitempty"`
}

// BaselineStatus is the outcome of --baseline: findings in the baseline
// file are suppressed with Kind "baseline"; entries that no longer match a
// finding are stale (fixed since) and can go with `baseline --update`.
type BaselineStatus struct {
	File    string `json:"file"`
	Entries int    `json:"entries"`
	Matched int    `json:"matched"`
	Stale   int    `json:"stale"`
}

// Active returns the findings that are not suppressed.
func (r Report) Active() []Finding {
	out := make([]Finding, 0, len(r.Findings))
	for _, f := range r.Findings {
		if f.Suppressed == nil {
			out = append(out, f)
		}
	}
	return out
}

// CountBySeverity counts the active findings per severity.
func (r Report) CountBySeverity() map[Severity]int {
	m := map[Severity]int{}
	for _, f := range r.Findings {
		if f.Suppressed == nil {
			m[f.Severity]++
		}
	}
	return m
}

// Rule returns the metadata of the rule with id, if the report has it.
func (r Report) Rule(id string) (RuleInfo, bool) {
	for _, ri := range r.Rules {
		if ri.ID == id {
			return ri, true
		}
	}
	return RuleInfo{}, false
}
