package scanner

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// Core rule IDs for suppression hygiene.
const (
	IgnoreUnusedRuleID   = "TFR-IGNORE-UNUSED"
	IgnoreNoReasonRuleID = "TFR-IGNORE-REASON"
)

// ignoreDirective is one `<kind>:ignore:<ID>` found in a comment.
type ignoreDirective struct {
	Kind    string // tfreview, trivy or tfsec
	ID      string
	Expires string // YYYY-MM-DD or ""
	Reason  string
	Range   finding.Range // the comment
	// Lines the directive covers: the block or attribute on the line after
	// an own-line comment, or on the comment's own line.
	From, To int
	used     bool
}

var directiveRE = regexp.MustCompile(`\b(tfreview|trivy|tfsec):ignore:([A-Za-z0-9_.*\-]+)(\[[^\]]*\])?(?::exp:([0-9]{4}-[0-9]{2}-[0-9]{2}))?`)

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
