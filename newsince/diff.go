package newsince

import (
	"bufio"
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
)

// change is one file that differs between the base and the working tree.
// Paths are relative to the repository root, slash-separated.
type change struct {
	Status  byte   // A, M, D, R (C and T are reported as M)
	OldPath string // at the base; "" when added
	NewPath string // in the working tree; "" when deleted
}

// lineSpan is a run of lines in the working-tree version of a file. Count
// 0 marks lines deleted after line Start.
type lineSpan struct{ Start, Count int }

// changes lists what differs between base and the working tree, untracked
// files included (they are scanned, so they are part of the change).
func (g git) changes(ctx context.Context, base string) ([]change, error) {
	out, err := g.run(ctx, "diff", "--name-status", "-z", "-M", "--no-ext-diff", "--no-textconv", "--no-color", base, "--")
	if err != nil {
		return nil, err
	}
	var cs []change
	fields := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	for i := 0; i < len(fields); i++ {
		st := fields[i]
		if st == "" {
			continue
		}
		switch st[0] {
		case 'R', 'C':
			if i+2 >= len(fields) {
				return cs, nil
			}
			if st[0] == 'R' {
				cs = append(cs, change{Status: 'R', OldPath: fields[i+1], NewPath: fields[i+2]})
			} else {
				cs = append(cs, change{Status: 'A', NewPath: fields[i+2]})
			}
			i += 2
		default:
			if i+1 >= len(fields) {
				return cs, nil
			}
			p := fields[i+1]
			i++
			switch st[0] {
			case 'A':
				cs = append(cs, change{Status: 'A', NewPath: p})
			case 'D':
				cs = append(cs, change{Status: 'D', OldPath: p})
			default:
				cs = append(cs, change{Status: 'M', OldPath: p, NewPath: p})
			}
		}
	}
	untracked, err := g.run(ctx, "ls-files", "-z", "--others", "--exclude-standard")
	if err != nil {
		return nil, err
	}
	for _, p := range strings.Split(string(untracked), "\x00") {
		if p != "" {
			cs = append(cs, change{Status: 'A', NewPath: p})
		}
	}
	return cs, nil
}

// hunks returns, per working-tree file, the line spans that differ from
// base, for the Terraform files among the changes. Untracked files are
// wholly added.
func (g git) hunks(ctx context.Context, base string, cs []change, top string) (map[string][]lineSpan, error) {
	out := map[string][]lineSpan{}
	var tracked []string
	for _, c := range cs {
		if c.NewPath == "" || !isTerraformText(c.NewPath) {
			continue
		}
		if c.Status == 'A' && c.OldPath == "" {
			// Added (tracked or not): every line is new.
			n, err := countLines(filepath.Join(top, filepath.FromSlash(c.NewPath)))
			if err == nil {
				out[c.NewPath] = []lineSpan{{Start: 1, Count: max(n, 1)}}
			}
			continue
		}
		tracked = append(tracked, c.NewPath)
		if c.OldPath != "" && c.OldPath != c.NewPath {
			tracked = append(tracked, c.OldPath)
		}
	}
	if len(tracked) == 0 {
		return out, nil
	}
	args := []string{"diff", "-U0", "-M", "--no-ext-diff", "--no-textconv", "--no-color", "--src-prefix=a/", "--dst-prefix=b/", base, "--"}
	for _, p := range tracked {
		args = append(args, ":(literal)"+p)
	}
	diff, err := g.run(ctx, args...)
	if err != nil {
		return nil, err
	}
	for file, spans := range parseUnifiedDiff(diff) {
		out[file] = append(out[file], spans...)
	}
	return out, nil
}

// parseUnifiedDiff reads `git diff -U0` output: for each new-side file,
// the line spans of its hunks.
func parseUnifiedDiff(diff []byte) map[string][]lineSpan {
	out := map[string][]lineSpan{}
	cur := ""
	sc := bufio.NewScanner(bytes.NewReader(diff))
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "diff --git "):
			cur = ""
		case strings.HasPrefix(line, "+++ "):
			name := unquote(strings.TrimPrefix(line, "+++ "))
			if name == "/dev/null" {
				cur = ""
			} else {
				cur = strings.TrimPrefix(name, "b/")
			}
		case strings.HasPrefix(line, "@@ ") && cur != "":
			if s, ok := parseHunkHeader(line); ok {
				out[cur] = append(out[cur], s)
			}
		}
	}
	return out
}

// parseHunkHeader reads "@@ -a,b +c,d @@" into the new side's span.
func parseHunkHeader(line string) (lineSpan, bool) {
	fields := strings.Fields(line)
	if len(fields) < 3 || !strings.HasPrefix(fields[2], "+") {
		return lineSpan{}, false
	}
	spec := strings.TrimPrefix(fields[2], "+")
	startStr, countStr, hasCount := strings.Cut(spec, ",")
	start, err := strconv.Atoi(startStr)
	if err != nil {
		return lineSpan{}, false
	}
	count := 1
	if hasCount {
		if count, err = strconv.Atoi(countStr); err != nil {
			return lineSpan{}, false
		}
	}
	return lineSpan{Start: start, Count: count}, true
}

func unquote(s string) string {
	if strings.HasPrefix(s, `"`) {
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
	}
	return s
}

func isTerraformText(p string) bool {
	for _, ext := range []string{".tf", ".tofu", ".tfvars"} {
		if strings.HasSuffix(p, ext) {
			return true
		}
	}
	return false
}

// overlaps reports whether a span touches lines from..to: added lines in
// the range, or lines deleted inside it.
func overlaps(spans []lineSpan, from, to int) bool {
	if to < from {
		to = from
	}
	for _, s := range spans {
		if s.Count == 0 {
			if s.Start >= from && s.Start < to {
				return true
			}
			continue
		}
		if s.Start <= to && s.Start+s.Count-1 >= from {
			return true
		}
	}
	return false
}
