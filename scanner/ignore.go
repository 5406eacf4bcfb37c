package scanner

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"gopkg.in/yaml.v3"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/rootfile"
	"github.com/tfreview/tfreview/tfmodel"
)

// Core rule IDs for suppression hygiene.
const (
	IgnoreUnusedRuleID   = "TFR-IGNORE-UNUSED"
	IgnoreNoReasonRuleID = "TFR-IGNORE-REASON"
	IgnoreUnknownRuleID  = "TFR-IGNORE-UNKNOWN"
)

// ignoreDirective is one `<kind>:ignore:<ID>` found in a comment.
type ignoreDirective struct {
	Kind    string // tfreview, trivy, tfsec, checkov, kics or trivyignore
	ID      string
	Expires string // YYYY-MM-DD or ""
	Reason  string
	Range   finding.Range // the comment
	// Lines the directive covers: the block or attribute on the line after
	// an own-line comment, or on the comment's own line.
	From, To int
	// Paths, for a .trivyignore.yaml entry, limits it to these file globs
	// (relative to the scanned directory); fileWide entries (from
	// .trivyignore files) cover every line of those files, or of all.
	Paths    []string
	fileWide bool
	used     bool
}

var directiveRE = regexp.MustCompile(`\b(tfreview|trivy|tfsec):ignore:([A-Za-z0-9_.*\-]+)(\[[^\]]*\])?(?::exp:([0-9]{4}-[0-9]{2}-[0-9]{2}))?`)

// Other tools' suppressions, read so that teams migrate without editing
// their code: Checkov's `checkov:skip=ID:reason` (inside the resource it
// skips) and KICS's `kics-scan ignore-line` / `ignore-block`, which ignore
// every finding of the next line or of the block below.
var (
	checkovRE = regexp.MustCompile(`\bcheckov:skip=([A-Za-z0-9_.\-]+)(?::([^\r\n]*))?`)
	kicsRE    = regexp.MustCompile(`\bkics-scan\s+(ignore-line|ignore-block)\b`)
)

// findIgnores lexes the file's comments (not a regex over raw text, so a
// directive inside a string is not one) and resolves what each covers.
func findIgnores(f *sourceFile) []*ignoreDirective {
	if f.Tokens == nil || f.Syntax == nil {
		return nil
	}
	spans := elementSpans(f.Syntax)
	codeLines := map[int]bool{}
	for _, t := range f.Tokens {
		switch t.Type {
		case hclsyntax.TokenComment, hclsyntax.TokenNewline, hclsyntax.TokenEOF:
		default:
			codeLines[t.Range.Start.Line] = true
		}
	}
	var out []*ignoreDirective
	for _, t := range f.Tokens {
		if t.Type != hclsyntax.TokenComment {
			continue
		}
		text := string(t.Bytes)
		matches := directiveRE.FindAllStringSubmatchIndex(text, -1)
		if len(matches) == 0 {
			out = append(out, foreignIgnores(f, t, text, spans, codeLines)...)
			continue
		}
		line := t.Range.Start.Line
		target := line
		if !codeLines[line] {
			// Own-line comment: it covers the next line with code.
			target = 0
			for l := line + 1; l <= line+1000; l++ {
				if codeLines[l] {
					target = l
					break
				}
			}
		}
		from, to := target, target
		if end, ok := spans[target]; ok {
			to = end
		}
		for i, m := range matches {
			end := len(text)
			if i+1 < len(matches) {
				end = matches[i+1][0]
			}
			reason := strings.TrimSpace(text[m[1]:end])
			reason = strings.TrimSpace(strings.TrimSuffix(reason, "*/"))
			reason = strings.TrimLeft(reason, "-:# ")
			// A block comment can carry the reason over several lines;
			// it is reported on one.
			reason = strings.Join(strings.Fields(reason), " ")
			d := &ignoreDirective{
				Kind:   text[m[2]:m[3]],
				ID:     text[m[4]:m[5]],
				Reason: reason,
				Range:  tfmodel.ConvertRange(t.Range, f.Path, f.Src),
				From:   from,
				To:     to,
			}
			d.Range.End = d.Range.Start
			d.Range.End.Column += len(strings.TrimRight(text, "\r\n"))
			if m[8] >= 0 {
				d.Expires = text[m[8]:m[9]]
			}
			out = append(out, d)
		}
	}
	return out
}

// foreignIgnores reads Checkov's and KICS's suppressions in one comment.
func foreignIgnores(f *sourceFile, t hclsyntax.Token, text string, spans map[int]int, codeLines map[int]bool) []*ignoreDirective {
	commentRange := func() finding.Range {
		r := tfmodel.ConvertRange(t.Range, f.Path, f.Src)
		r.End = r.Start
		r.End.Column += len(strings.TrimRight(text, "\r\n"))
		return r
	}
	line := t.Range.Start.Line
	next := 0
	for l := line + 1; l <= line+1000; l++ {
		if codeLines[l] {
			next = l
			break
		}
	}
	if m := checkovRE.FindStringSubmatch(text); m != nil {
		// Checkov's skip sits inside the resource it skips: it covers the
		// top-level block around it, else (outside any block) the next one.
		from, to := next, spans[next]
		if top, end, ok := enclosingTopBlock(f.Syntax, line); ok {
			from, to = top, end
		}
		if to < from {
			to = from
		}
		reason := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(m[2]), "*/"))
		return []*ignoreDirective{{Kind: "checkov", ID: m[1], Reason: reason, Range: commentRange(), From: from, To: to}}
	}
	if m := kicsRE.FindStringSubmatch(text); m != nil {
		from, to := next, next
		if m[1] == "ignore-block" {
			if end, ok := spans[next]; ok {
				to = end
			}
		}
		return []*ignoreDirective{{Kind: "kics", ID: "*", Reason: "kics-scan " + m[1], Range: commentRange(), From: from, To: to}}
	}
	return nil
}

// enclosingTopBlock is the line range of the top-level block holding line.
func enclosingTopBlock(f *hcl.File, line int) (from, to int, ok bool) {
	body, isSyntax := f.Body.(*hclsyntax.Body)
	if !isSyntax {
		return 0, 0, false
	}
	for _, blk := range body.Blocks {
		start, end := blk.TypeRange.Start.Line, blk.Body.SrcRange.End.Line
		if line > start && line < end {
			return start, end, true
		}
	}
	return 0, 0, false
}

// elementSpans maps the start line of every block and attribute to the
// last line of the widest element starting there.
func elementSpans(f *hcl.File) map[int]int {
	spans := map[int]int{}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return spans
	}
	put := func(r hcl.Range) {
		if r.End.Line > spans[r.Start.Line] {
			spans[r.Start.Line] = r.End.Line
		}
	}
	var walk func(b *hclsyntax.Body)
	walk = func(b *hclsyntax.Body) {
		for _, a := range b.Attributes {
			put(a.SrcRange)
		}
		for _, blk := range b.Blocks {
			r := blk.Body.SrcRange
			r.Start = blk.TypeRange.Start
			put(r)
			walk(blk.Body)
		}
	}
	walk(body)
	return spans
}

func (d *ignoreDirective) matches(f *finding.Finding) bool {
	if d.ID != "*" && !f.HasID(d.ID) {
		return false
	}
	if d.fileWide {
		return d.coversFile(f.Range.File)
	}
	if d.From == 0 {
		return false
	}
	if f.Range.File == d.Range.File && f.Range.Start.Line >= d.From && f.Range.Start.Line <= d.To {
		return true
	}
	// An ignore above a module block covers what that call produced.
	for _, c := range f.CallSites {
		if c.Range.File == d.Range.File && c.Range.Start.Line >= d.From && c.Range.Start.Line <= d.To {
			return true
		}
	}
	return false
}

// applyIgnores marks suppressed findings, notes expired ignores and reports
// unused and (optionally) reason-less ignores as findings.
func applyIgnores(fs []finding.Finding, ds []*ignoreDirective, today time.Time, requireReason bool, ranEngines map[finding.Engine]bool) ([]finding.Finding, []finding.Note) {
	var notes []finding.Note
	day := today.Format("2006-01-02")
	for i := range fs {
		f := &fs[i]
		if f.Engine == finding.EngineCore {
			continue
		}
		for _, d := range ds {
			if !d.matches(f) {
				continue
			}
			d.used = true
			s := &finding.Suppression{Kind: d.Kind, Reason: d.Reason, Expires: d.Expires, Range: d.Range}
			if d.Expires != "" && d.Expires < day {
				if f.ExpiredIgnore == nil {
					f.ExpiredIgnore = s
					notes = append(notes, finding.Note{Kind: finding.NoteIgnoreExpired, Range: d.Range,
						Message: fmt.Sprintf("ignore of %s expired on %s; the finding is reported again", d.ID, d.Expires)})
				}
				continue
			}
			f.Suppressed = s
			f.ExpiredIgnore = nil
			break
		}
	}
	for _, d := range ds {
		if d.fileWide {
			// .trivyignore files serve every Trivy scanner (CVE IDs,
			// secrets): an entry that matches nothing here is not stale.
			continue
		}
		if !d.used && d.ID != "*" && !knownCheckID(d.ID) {
			fs = append(fs, coreFinding(IgnoreUnknownRuleID, finding.SeverityMedium, "Ignore comment names an unknown check",
				fmt.Sprintf("%s ignore names %s, which is no check tfreview knows; it suppresses nothing", d.Kind, d.ID),
				"Correct the ID (`tfreview checks` lists them) or delete the ignore.", d.Range))
			continue
		}
		if !d.used && engineRanFor(d.ID, ranEngines) {
			fs = append(fs, coreFinding(IgnoreUnusedRuleID, finding.SeverityLow, "Ignore comment suppresses nothing",
				fmt.Sprintf("%s:ignore:%s matches no finding here; remove it so stale suppressions do not hide future problems", d.Kind, d.ID),
				"Delete the comment, or move it to the line above the block or attribute it should cover.", d.Range))
		}
		if requireReason && d.Reason == "" {
			fs = append(fs, coreFinding(IgnoreNoReasonRuleID, finding.SeverityMedium, "Ignore comment without a reason",
				fmt.Sprintf("%s:ignore:%s gives no reason; require_ignore_reason is on", d.Kind, d.ID),
				"Add the reason after the ID, e.g. `# tfreview:ignore:AWS-0086 public website bucket, approved in SEC-123`.", d.Range))
		}
	}
	return fs, notes
}

// engineRanFor tells whether the engine owning id ran, so an ignore for a
// check that was not run is not called unused.
func engineRanFor(id string, ran map[finding.Engine]bool) bool {
	if id == "*" {
		return len(ran) > 0
	}
	if strings.HasPrefix(strings.ToUpper(id), "TFR-") || !strings.ContainsAny(id, "0123456789") {
		// TFR- IDs and slugs without digits may be built-in or Trivy long IDs.
		return ran[finding.EngineBuiltin] && ran[finding.EngineTrivy] || strings.HasPrefix(strings.ToUpper(id), "TFR-") && ran[finding.EngineBuiltin]
	}
	return ran[finding.EngineTrivy]
}

func coreFinding(id string, sev finding.Severity, title, msg, resolution string, r finding.Range) finding.Finding {
	return finding.Finding{RuleID: id, Engine: finding.EngineCore, Severity: sev, Title: title, Message: msg, Resolution: resolution, Range: r}
}

// Trivy's ignore files, read from the top of each scanned directory.
const (
	trivyIgnoreFile     = ".trivyignore"
	trivyIgnoreYAMLFile = ".trivyignore.yaml"
	// maxTrivyIgnoreSize bounds each file read from the untrusted tree.
	maxTrivyIgnoreSize = 1 << 20
)

// readTrivyIgnores reads .trivyignore (one ID a line, `#` comments,
// optional `exp:YYYY-MM-DD`) and .trivyignore.yaml (Trivy's
// `misconfigurations:` list with id, paths, expired_at and statement) in
// dir. Each must be a regular file inside dir (no symbolic link out).
func readTrivyIgnores(dir string) ([]*ignoreDirective, error) {
	var out []*ignoreDirective
	data, err := rootfile.ReadIn(dir, trivyIgnoreFile, maxTrivyIgnoreSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", trivyIgnoreFile, err)
	default:
		out = append(out, parseTrivyIgnore(data)...)
	}
	data, err = rootfile.ReadIn(dir, trivyIgnoreYAMLFile, maxTrivyIgnoreSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", trivyIgnoreYAMLFile, err)
	default:
		ds, err := parseTrivyIgnoreYAML(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", trivyIgnoreYAMLFile, err)
		}
		out = append(out, ds...)
	}
	return out, nil
}

func trivyIgnoreRange(file string, line int) finding.Range {
	return finding.Range{File: file, Start: finding.Position{Line: line, Column: 1, Byte: -1}, End: finding.Position{Line: line, Column: 1, Byte: -1}}
}

func parseTrivyIgnore(data []byte) []*ignoreDirective {
	var out []*ignoreDirective
	for i, line := range strings.Split(string(data), "\n") {
		line, _, _ = strings.Cut(line, "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		d := &ignoreDirective{Kind: "trivyignore", ID: fields[0], Range: trivyIgnoreRange(trivyIgnoreFile, i+1), fileWide: true}
		for _, opt := range fields[1:] {
			if exp, ok := strings.CutPrefix(opt, "exp:"); ok {
				d.Expires = exp
			}
		}
		out = append(out, d)
	}
	return out
}

// trivyIgnoreYAML is the part of Trivy's .trivyignore.yaml that concerns
// misconfigurations; vulnerabilities, secrets and licenses are Trivy's.
type trivyIgnoreYAML struct {
	Misconfigurations []struct {
		ID        yaml.Node `yaml:"id"` // a node, for its line
		Paths     []string  `yaml:"paths"`
		ExpiredAt string    `yaml:"expired_at"`
		Statement string    `yaml:"statement"`
	} `yaml:"misconfigurations"`
}

func parseTrivyIgnoreYAML(data []byte) ([]*ignoreDirective, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// yaml.v3 quotes the offending text; the file is untrusted.
		return nil, errors.New("not valid YAML")
	}
	var parsed trivyIgnoreYAML
	if err := doc.Decode(&parsed); err != nil {
		return nil, errors.New("not in Trivy's .trivyignore.yaml format")
	}
	var out []*ignoreDirective
	for i, m := range parsed.Misconfigurations {
		if m.ID.Value == "" {
			return nil, fmt.Errorf("misconfigurations[%d]: no id", i)
		}
		d := &ignoreDirective{Kind: "trivyignore", ID: m.ID.Value, Reason: m.Statement, Paths: m.Paths,
			Range: trivyIgnoreRange(trivyIgnoreYAMLFile, m.ID.Line), fileWide: true}
		if m.ExpiredAt != "" {
			exp := m.ExpiredAt
			if _, err := time.Parse("2006-01-02", exp); err != nil {
				return nil, fmt.Errorf("misconfigurations[%d]: expired_at: want YYYY-MM-DD", i)
			}
			d.Expires = exp
		}
		out = append(out, d)
	}
	return out, nil
}

// coversFile tells whether a file-wide entry covers file (both relative
// to the report's base; the entry's own file sits in the scanned
// directory, and its paths are relative to that directory, as in Trivy).
func (d *ignoreDirective) coversFile(file string) bool {
	dir := path.Dir(d.Range.File)
	rel := file
	if dir != "." {
		var ok bool
		if rel, ok = strings.CutPrefix(file, dir+"/"); !ok {
			return false
		}
	}
	if len(d.Paths) == 0 {
		return true
	}
	for _, p := range d.Paths {
		p = strings.TrimPrefix(path.Clean(p), "./")
		if ok, _ := doublestar.Match(p, rel); ok || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}
