package github

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/safetext"
	"github.com/tfreview/tfreview/reporters/review"
)

// MaxAnnotationsPerStep: GitHub shows at most 10 annotations of each type
// created by workflow commands in one step (and 50 per job); the others are
// only in the log. We write the 10 most severe and count the rest in the
// summary. reviewdog has the same limit as
// githubutils.MaxLoggingAnnotationsPerStep.
// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
const MaxAnnotationsPerStep = 10

// annotationLevel maps a severity to a workflow command (and check
// annotation) level: what fails is an error, what does not is a warning or,
// for LOW, a notice.
func annotationLevel(s, failOn finding.Severity) string {
	switch {
	case review.AtOrAbove(s, failOn):
		return "error"
	case s >= finding.SeverityMedium:
		return "warning"
	}
	return "notice"
}

// writeWorkflowCommands writes at most MaxAnnotationsPerStep commands for
// the groups, most severe first, and returns how many it wrote.
func writeWorkflowCommands(w io.Writer, gs []review.Group, failOn finding.Severity) (int, error) {
	n := 0
	for _, g := range review.BySeverity(gs) {
		if n == MaxAnnotationsPerStep {
			break
		}
		if _, err := io.WriteString(w, workflowCommand(g, failOn)+"\n"); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// workflowCommand renders one ::error/::warning/::notice command.
func workflowCommand(g review.Group, failOn finding.Severity) string {
	p := g.Primary()
	f := p.Finding
	path, start, end := p.Path, f.Range.Start.Line, max(f.Range.End.Line, f.Range.Start.Line)
	if a := g.Anchor(); !a.IsZero() && a.Path != p.Path {
		// Reached through a changed module call: point at the call.
		path, start, end = a.Path, a.Start, a.End
	}
	props := [][2]string{{"file", path}}
	if start > 0 {
		props = append(props, [2]string{"line", strconv.Itoa(start)}, [2]string{"endLine", strconv.Itoa(end)})
		if start == end && f.Range.HasColumns() && path == p.Path {
			props = append(props, [2]string{"col", strconv.Itoa(f.Range.Start.Column)})
			if f.Range.End.Column > 0 {
				props = append(props, [2]string{"endColumn", strconv.Itoa(f.Range.End.Column)})
			}
		}
	}
	props = append(props, [2]string{"title", fmt.Sprintf("%s %s: %s", g.Severity(), f.RuleID, f.Title)})
	var b strings.Builder
	b.WriteString("::" + annotationLevel(g.Severity(), failOn) + " ")
	for i, kv := range props {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(kv[0] + "=" + escapeProperty(kv[1]))
	}
	b.WriteString("::" + escapeData(annotationMessage(g)))
	return b.String()
}

// annotationMessage is plain text: annotations do not render Markdown.
func annotationMessage(g review.Group) string {
	f := g.Primary().Finding
	var b strings.Builder
	b.WriteString(Truncate(f.Message, 2000))
	if inst := g.Instances(); len(inst) == 1 {
		b.WriteString("\nResource: " + inst[0])
	} else if len(inst) > 1 {
		shown := inst[:min(len(inst), 10)]
		fmt.Fprintf(&b, "\nInstances (%d): %s", len(inst), strings.Join(shown, ", "))
		if len(inst) > len(shown) {
			b.WriteString(", …")
		}
	}
	if f.Resolution != "" {
		b.WriteString("\nResolution: " + Truncate(f.Resolution, 500))
	}
	if u := f.DocURL(); u != "" {
		b.WriteString("\n" + u)
	}
	return b.String()
}

// escapeData escapes a workflow command's message as the Actions toolkit
// does (toolkit/packages/core/src/command.ts escapeData): %, CR and LF, so
// no value can end the line and start a command of its own. Other control
// characters are dropped.
func escapeData(s string) string {
	s = safetext.NeutralizeLegacyCommands(dropControls(s), safetext.TextEscape)
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a property value (escapeProperty in command.ts):
// as data, plus ':' and ',' which end a property.
func escapeProperty(s string) string {
	s = safetext.NeutralizeLegacyCommands(dropControls(s), safetext.TextEscape)
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

func dropControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}
