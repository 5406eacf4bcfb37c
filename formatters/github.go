package formatters

import (
	"fmt"
	"io"
	"strings"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/safetext"
)

// githubFormatter writes GitHub Actions workflow commands, one line per
// finding and per note, which the runner turns into annotations
// (https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions).
//
// Values are escaped exactly as @actions/core does (toolkit
// packages/core/src/command.ts), so a crafted message or resource name
// cannot end the line and start a command of its own. Columns are given
// only for single-line ranges (GitHub ignores them otherwise) and in UTF-16
// code units, converted with the line's text from Report.Sources; without
// the source the annotation is line-only.
//
// GitHub shows only the first annotations of each level per step and per
// job (10 errors and 10 warnings per step, 50 per job, at the time of
// writing); the rest stay in the log. For every finding on a pull request,
// use SARIF upload or reviewdog with rdjson.
type githubFormatter struct{ opts Options }

// githubLevel maps a severity to a workflow command.
func githubLevel(s finding.Severity) string {
	switch s {
	case finding.SeverityCritical, finding.SeverityHigh:
		return "error"
	case finding.SeverityLow:
		return "notice"
	}
	return "warning"
}

// githubData escapes a command's message (escapeData in command.ts), and
// breaks any legacy "##[" command in it, which the runner looks for
// anywhere in a line. The runner has no escape for '#', so the visible
// \x23 of the text format is shown.
func githubData(s string) string {
	s = safetext.NeutralizeLegacyCommands(s, safetext.TextEscape)
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// githubProperty escapes a property value (escapeProperty in command.ts),
// legacy commands broken as in githubData.
func githubProperty(s string) string {
	s = safetext.NeutralizeLegacyCommands(s, safetext.TextEscape)
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

type githubProp struct{ key, value string }

// githubCommand formats one workflow command line.
func githubCommand(command string, props []githubProp, message string) string {
	var b strings.Builder
	b.WriteString("::" + command)
	for i, p := range props {
		if i == 0 {
			b.WriteString(" ")
		} else {
			b.WriteString(",")
		}
		b.WriteString(p.key + "=" + githubProperty(p.value))
	}
	b.WriteString("::" + githubData(message) + "\n")
	return b.String()
}

// githubLocation gives the file and position properties for r.
func githubLocation(r finding.Range, src *sourceFiles) []githubProp {
	if r.File == "" {
		return nil
	}
	props := []githubProp{{"file", r.File}}
	if r.Start.Line < 1 {
		return props
	}
	props = append(props,
		githubProp{"line", fmt.Sprint(r.Start.Line)},
		githubProp{"endLine", fmt.Sprint(max(r.End.Line, r.Start.Line))})
	if r.End.Line == r.Start.Line {
		if start, end, ok := src.utf16Columns(r); ok {
			props = append(props, githubProp{"col", fmt.Sprint(start)}, githubProp{"endColumn", fmt.Sprint(end)})
		}
	}
	return props
}

func (g githubFormatter) Format(w io.Writer, r finding.Report) error {
	var b strings.Builder
	src := newSourceFiles(r.Sources)
	for _, f := range shown(r, g.opts) {
		level := githubLevel(f.Severity)
		title := fmt.Sprintf("[%s] %s: %s", f.Severity, f.RuleID, orDefault(f.Title, f.RuleID))
		msg := orDefault(f.Message, f.Title)
		if f.Resource != "" {
			msg += "\nResource: " + f.Resource
		}
		if f.Suppressed != nil {
			level = "notice"
			title = "[suppressed] " + title
			msg += "\nSuppressed by a " + f.Suppressed.Kind + " ignore"
			if f.Suppressed.Reason != "" {
				msg += ": " + f.Suppressed.Reason
			}
		}
		if f.Fix != nil {
			msg += "\nFix available: " + f.Fix.Description
		}
		if u := f.DocURL(); u != "" {
			msg += "\nDocs: " + u
		}
		props := append(githubLocation(f.Range, src), githubProp{"title", title})
		b.WriteString(githubCommand(level, props, msg))
	}
	for _, n := range r.Notes {
		props := append(githubLocation(lineOnly(normalized(n.Range)), src), githubProp{"title", "tfreview could not check (" + string(n.Kind) + ")"})
		b.WriteString(githubCommand("warning", props, n.Message))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
