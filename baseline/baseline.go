// Package baseline records the findings a project already has, so that a
// scan reports only what is absent from the record: `tfreview baseline`
// writes the file, `scan --baseline` suppresses its entries (marked, not
// dropped, with Kind "baseline") and counts the stale ones, and
// `baseline --update` drops the stale ones.
//
// Fingerprints in the file are computed with paths relative to the
// directory of the baseline file, so the file matches whichever directory
// tfreview runs from.
package baseline

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/rootfile"
)

// Version is the file format version. Adding a field keeps it; changing
// the fingerprint definition or a field's meaning bumps it.
const Version = 1

// MaxFileSize bounds the baseline read. An entry is about 300 bytes, so
// this holds some 200,000 findings; the file can come from the scanned tree.
const MaxFileSize = 64 << 20

// SuppressionKind marks findings a baseline suppressed.
const SuppressionKind = "baseline"

// parseRuleID is scanner.ParseRuleID; parse errors are never recorded:
// nothing in such a file was checked, so there is nothing to accept.
const parseRuleID = "TFR-PARSE"

// File is a baseline: the findings accepted at the time it was written.
type File struct {
	Version  int     `json:"version"`
	Findings []Entry `json:"findings"`
}

// Entry is one accepted finding. Only Fingerprint matches; the rest is for
// the humans reading the file and its diffs.
type Entry struct {
	Fingerprint string `json:"fingerprint"`
	RuleID      string `json:"rule_id"`
	File        string `json:"file"`
	Resource    string `json:"resource,omitempty"`
	Message     string `json:"message"`
}

// Build records the active findings of rep (suppressed ones and parse
// errors left out). file is where the baseline will be written.
func Build(rep finding.Report, file string) *File {
	dir := filepath.Dir(absPath(file))
	b := &File{Version: Version, Findings: []Entry{}}
	fps := fingerprints(rep, dir)
	for i, f := range rep.Findings {
		if f.Suppressed != nil || f.RuleID == parseRuleID {
			continue
		}
		b.Findings = append(b.Findings, entryOf(f, fps[i], rep.Root, dir))
	}
	b.sort()
	return b
}

// Update keeps the entries that still match an active finding of rep,
// refreshing their file, address and message, and drops the stale ones.
// It adds nothing: new findings stay reported until fixed or recorded
// again with Build.
func Update(old *File, rep finding.Report, file string) *File {
	dir := filepath.Dir(absPath(file))
	known := map[string]bool{}
	for _, e := range old.Findings {
		known[e.Fingerprint] = true
	}
	b := &File{Version: Version, Findings: []Entry{}}
	fps := fingerprints(rep, dir)
	for i, f := range rep.Findings {
		if known[fps[i]] && (f.Suppressed == nil || f.Suppressed.Kind == SuppressionKind) {
			b.Findings = append(b.Findings, entryOf(f, fps[i], rep.Root, dir))
		}
	}
	b.sort()
	return b
}

// Apply suppresses the active findings of rep that the baseline records,
// marking them with Kind "baseline" and the line of their entry, and sets
// rep.Baseline. file is the baseline's path as the user gave it; src is
// its content (for the entries' lines).
func Apply(rep *finding.Report, b *File, file string, src []byte) {
	dir := filepath.Dir(absPath(file))
	byFP := map[string]bool{}
	for _, e := range b.Findings {
		byFP[e.Fingerprint] = true
	}
	lines := entryLines(src)
	shown := filepath.ToSlash(file)
	if rel, err := filepath.Rel(rep.Root, absPath(file)); err == nil {
		shown = filepath.ToSlash(rel)
	}
	fps := fingerprints(*rep, dir)
	matched := map[string]bool{}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		if f.Suppressed != nil || f.RuleID == parseRuleID || !byFP[fps[i]] {
			continue
		}
		matched[fps[i]] = true
		f.Suppressed = &finding.Suppression{
			Kind:   SuppressionKind,
			Reason: "recorded in the baseline",
			Range:  finding.Range{File: shown, Start: finding.Position{Line: lines[fps[i]], Byte: -1}, End: finding.Position{Line: lines[fps[i]], Byte: -1}},
		}
	}
	rep.Baseline = &finding.BaselineStatus{
		File:    shown,
		Entries: len(b.Findings),
		Matched: len(matched),
		Stale:   len(byFP) - len(matched),
	}
}

// Read loads a baseline file: a regular file (not a symbolic link, device
// or FIFO) of at most MaxFileSize bytes. Errors name the file and line,
// never quote its text.
func Read(path string) (*File, []byte, error) {
	src, err := rootfile.Read(path, MaxFileSize)
	if err != nil {
		return nil, nil, fmt.Errorf("read baseline %s: %w", path, err)
	}
	b, err := Parse(src)
	if err != nil {
		return nil, nil, fmt.Errorf("baseline %s: %w", path, err)
	}
	return b, src, nil
}

// Parse decodes a baseline, rejecting unknown fields and other versions.
func Parse(src []byte) (*File, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.DisallowUnknownFields()
	var b File
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("not a tfreview baseline: %s", describeJSONError(src, err))
	}
	if b.Version != Version {
		return nil, fmt.Errorf("baseline version %d, this tfreview reads version %d; write it again with `tfreview baseline`", b.Version, Version)
	}
	for i, e := range b.Findings {
		if e.Fingerprint == "" {
			return nil, fmt.Errorf("entry %d has no fingerprint", i+1)
		}
	}
	return &b, nil
}

// Write encodes the baseline with one entry per line, sorted by file,
// rule, address and fingerprint, so a change to the record is a change of
// the lines of the findings concerned.
func (b *File) Write(w io.Writer) error {
	var bw bytes.Buffer
	fmt.Fprintf(&bw, "{\n  \"version\": %d,\n  \"findings\": [", b.Version)
	for i, e := range b.Findings {
		line, err := marshalCompact(e)
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		bw.Write(line)
	}
	if len(b.Findings) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]\n}\n")
	_, err := w.Write(bw.Bytes())
	return err
}

func marshalCompact(e Entry) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func (b *File) sort() {
	slices.SortFunc(b.Findings, func(x, y Entry) int {
		return cmp.Or(
			cmp.Compare(x.File, y.File),
			cmp.Compare(x.RuleID, y.RuleID),
			cmp.Compare(x.Resource, y.Resource),
			cmp.Compare(x.Fingerprint, y.Fingerprint),
		)
	})
	b.Findings = slices.CompactFunc(b.Findings, func(x, y Entry) bool { return x.Fingerprint == y.Fingerprint })
}

// fingerprints returns each finding's fingerprint with its paths made
// relative to dir instead of the scan's base directory.
func fingerprints(rep finding.Report, dir string) []string {
	moved := make([]finding.Finding, len(rep.Findings))
	for i, f := range rep.Findings {
		moved[i] = rebase(f, rep.Root, dir)
	}
	return finding.Fingerprints(moved)
}

func rebase(f finding.Finding, root, dir string) finding.Finding {
	f.Range.File = relTo(f.Range.File, root, dir)
	f.CallSites = slices.Clone(f.CallSites)
	for i := range f.CallSites {
		f.CallSites[i].Range.File = relTo(f.CallSites[i].Range.File, root, dir)
	}
	return f
}

func relTo(file, root, dir string) string {
	if root == "" || dir == "" || file == "" {
		return file
	}
	rel, err := filepath.Rel(dir, filepath.Join(root, filepath.FromSlash(file)))
	if err != nil {
		return file
	}
	return filepath.ToSlash(rel)
}

func entryOf(f finding.Finding, fp, root, dir string) Entry {
	return Entry{
		Fingerprint: fp,
		RuleID:      f.RuleID,
		File:        relTo(f.Range.File, root, dir),
		Resource:    f.Resource,
		Message:     f.Message,
	}
}

// entryLines maps each fingerprint to the line of the file holding it.
func entryLines(src []byte) map[string]int {
	out := map[string]int{}
	for i, line := range strings.Split(string(src), "\n") {
		_, rest, ok := strings.Cut(line, `"fingerprint":"`)
		if !ok {
			_, rest, ok = strings.Cut(line, `"fingerprint": "`)
		}
		if !ok {
			continue
		}
		if fp, _, ok := strings.Cut(rest, `"`); ok {
			out[fp] = i + 1
		}
	}
	return out
}

func absPath(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

// describeJSONError says where decoding failed without quoting the text:
// encoding/json quotes the offending character or field name.
func describeJSONError(src []byte, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("line %d: not valid JSON", lineAt(src, syn.Offset))
	case errors.As(err, &typ):
		return fmt.Sprintf("line %d: %s has the wrong type", lineAt(src, typ.Offset), typ.Field)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "truncated JSON"
	}
	// DisallowUnknownFields: the message quotes the field name.
	return "unknown field or malformed document"
}

func lineAt(src []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(src)))
	return bytes.Count(src[:offset], []byte("\n")) + 1
}
