package scanner

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// ParseRuleID is the ID of findings for files that do not parse.
const ParseRuleID = "TFR-PARSE"

// EvalRuleID is the ID of findings for root modules whose evaluation did
// not finish within Limits.MaxEvalTime or Limits.MaxEvalMemory, or crashed.
const EvalRuleID = "TFR-EVAL"

// sourceFile is one Terraform or tfvars file read and checked for syntax.
type sourceFile struct {
	Path   string // slash path inside the scanned FS
	Src    []byte
	Syntax *hcl.File // nil when it did not parse
	Tokens hclsyntax.Tokens
	Vars   bool // a .tfvars file
	// Rejected files are over a limit; Trivy never sees them.
	Rejected bool
}

// fileSet is every file of one scan path, read once.
type fileSet struct {
	files  map[string]*sourceFile
	tfDirs map[string]bool // dirs holding .tf/.tf.json files
	// hidden are files tfreview did not read (over a limit, unreadable):
	// Trivy must not read them either.
	hidden   map[string]bool
	byDir    map[string][]*sourceFile
	parseErr []finding.Finding
	notes    []finding.Note
	skipped  int
	yaml     bool // a YAML file was seen (the Kubernetes checks may be needed)
}

func isTerraform(name string) bool {
	for _, s := range []string{".tf", ".tf.json", ".tofu", ".tofu.json"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

func isTFVars(name string) bool {
	return strings.HasSuffix(name, ".tfvars") || strings.HasSuffix(name, ".tfvars.json")
}

// readFiles walks fsys, reading and syntax-checking every Terraform and
// tfvars file. Hidden directories (.git, .terraform) are not walked; Trivy
// reads cached modules under .terraform/modules itself.
func readFiles(fsys fs.FS, lim Limits, skipDirs, skipFiles []string) (*fileSet, error) {
	set := &fileSet{files: map[string]*sourceFile{}, tfDirs: map[string]bool{}, byDir: map[string][]*sourceFile{}, hidden: map[string]bool{}}
	var read []*sourceFile // in walk order, parsed after the walk
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			set.addUnreadable(p, err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || matchAny(skipDirs, p)) {
				return fs.SkipDir
			}
			return nil
		}
		tf, vars := isTerraform(d.Name()), isTFVars(d.Name())
		if !tf && !vars {
			set.yaml = set.yaml || isKubernetesYAML(d.Name())
			return nil
		}
		if matchAny(skipFiles, p) {
			set.hidden[p] = true
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			set.hidden[p] = true
			set.notes = append(set.notes, finding.Note{Kind: finding.NoteFileSkipped,
				Message: "symbolic link not followed", Range: finding.Range{File: p}})
			set.skipped++
			return nil
		}
		info, err := d.Info()
		if err != nil {
			set.addUnreadable(p, err)
			return nil
		}
		if lim.MaxFileSize > 0 && info.Size() > lim.MaxFileSize {
			set.hidden[p] = true
			set.parseErr = append(set.parseErr, parseFinding(p, hcl.Range{Filename: p, Start: hcl.Pos{Line: 1, Column: 1}, End: hcl.Pos{Line: 1, Column: 1}}, nil,
				fmt.Sprintf("file is %d bytes, over the %d-byte limit (--max-file-size); it was not scanned", info.Size(), lim.MaxFileSize)))
			set.skipped++
			return nil
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			set.addUnreadable(p, err)
			return nil
		}
		f := &sourceFile{Path: p, Src: src, Vars: vars}
		read = append(read, f)
		set.files[p] = f
		set.byDir[path.Dir(p)] = append(set.byDir[path.Dir(p)], f)
		if tf {
			set.tfDirs[path.Dir(p)] = true
		}
		return nil
	})
	set.parseAll(read, lim)
	return set, err
}

// parallelParseMax is the size above which a file is parsed alone: lexing
// a hostile file before the nesting limit rejects it can take many times
// its size in memory, and two at once would double that.
const parallelParseMax = 1 << 20

// parseAll parses the files (on every core, the large ones one at a time
// after) and adds their errors and notes in the files' order.
func (s *fileSet) parseAll(files []*sourceFile, lim Limits) {
	each := make([]fileSet, len(files)) // each file's errors and notes
	var small, large []int
	for i, f := range files {
		if len(f.Src) > parallelParseMax {
			large = append(large, i)
		} else {
			small = append(small, i)
		}
	}
	inParallel(len(small), func(j int) {
		i := small[j]
		each[i].parse(files[i], lim)
	})
	for _, i := range large {
		each[i].parse(files[i], lim)
	}
	for i := range each {
		s.parseErr = append(s.parseErr, each[i].parseErr...)
		s.notes = append(s.notes, each[i].notes...)
		s.skipped += each[i].skipped
	}
}

func (s *fileSet) addUnreadable(p string, err error) {
	s.hidden[p] = true
	s.skipped++
	s.parseErr = append(s.parseErr, parseFinding(p, hcl.Range{Filename: p, Start: hcl.Pos{Line: 1, Column: 1}, End: hcl.Pos{Line: 1, Column: 1}}, nil,
		"file could not be read: "+strings.TrimPrefix(err.Error(), "open "+p+": ")))
}

func (s *fileSet) parse(f *sourceFile, lim Limits) {
	var diags hcl.Diagnostics
	json := strings.HasSuffix(f.Path, ".json")
	if tokens, most := tokenBound(f.Src, json), maxTokens(lim); most > 0 && tokens > most {
		s.reject(f, fmt.Sprintf("the file holds about %d tokens, over the limit of %d (one per %d bytes of --max-file-size); the file was not parsed", tokens, most, bytesPerToken))
		return
	}
	depth := 0
	if json {
		depth = jsonDepth(f.Src)
	} else {
		f.Tokens, _ = hclsyntax.LexConfig(f.Src, f.Path, hcl.InitialPos)
		depth = nestingDepth(f.Tokens)
	}
	if lim.MaxNesting > 0 && depth > lim.MaxNesting {
		s.reject(f, fmt.Sprintf("expressions and blocks nest %d deep, over the limit of %d (--max-nesting); the file was not parsed", depth, lim.MaxNesting))
		return
	}
	if json {
		f.Syntax, diags = hcljson.Parse(f.Src, f.Path)
	} else {
		f.Syntax, diags = hclsyntax.ParseConfig(f.Src, f.Path, hcl.InitialPos)
	}
	if f.Syntax != nil && f.Vars && !diags.HasErrors() {
		// A tfvars file holds attributes only.
		_, d := f.Syntax.Body.JustAttributes()
		diags = append(diags, d...)
	}
	if !diags.HasErrors() {
		return
	}
	f.Syntax = nil
	reported := 0
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		if reported == maxParseErrorsPerFile {
			s.notes = append(s.notes, finding.Note{Kind: finding.NoteFileSkipped, Range: finding.Range{File: f.Path},
				Message: fmt.Sprintf("%d more syntax errors in this file are not listed", countErrors(diags)-reported)})
			break
		}
		reported++
		r := hcl.Range{Filename: f.Path, Start: hcl.InitialPos, End: hcl.InitialPos}
		if d.Subject != nil {
			r = *d.Subject
		}
		msg := d.Summary
		if d.Detail != "" {
			msg += ": " + d.Detail
		}
		s.parseErr = append(s.parseErr, parseFinding(f.Path, r, f.Src, msg))
	}
}

// reject reports f as TFR-PARSE and hides it from everything after.
func (s *fileSet) reject(f *sourceFile, msg string) {
	f.Rejected = true
	f.Tokens = nil
	s.skipped++
	s.parseErr = append(s.parseErr, parseFinding(f.Path, hcl.Range{Filename: f.Path, Start: hcl.InitialPos, End: hcl.InitialPos}, nil, msg))
}

func parseFinding(file string, r hcl.Range, src []byte, msg string) finding.Finding {
	rng := tfmodel.ConvertRange(r, file, src)
	return finding.Finding{
		RuleID:     ParseRuleID,
		Engine:     finding.EngineCore,
		Severity:   finding.SeverityHigh,
		Title:      "File could not be parsed",
		Message:    msg,
		Resolution: "Fix the syntax error; nothing in this file was checked until it parses.",
		Range:      rng,
	}
}

func matchAny(globs []string, p string) bool {
	for _, g := range globs {
		g = strings.TrimPrefix(filepath.ToSlash(g), "./")
		if ok, _ := path.Match(g, p); ok {
			return true
		}
		if ok, _ := path.Match(g, path.Base(p)); ok {
			return true
		}
		// "dir/**" and a plain directory name match everything below.
		prefix := strings.TrimSuffix(strings.TrimSuffix(g, "**"), "/")
		if prefix != "" && !strings.ContainsAny(prefix, "*?[") && (p == prefix || strings.HasPrefix(p, prefix+"/")) {
			return true
		}
	}
	return false
}

// sources returns path -> bytes for every file read, except those rejected
// as too deep to parse: the built-in checks parse some files (tfvars) from
// the sources again, and must not recurse into them either.
func (s *fileSet) sources() map[string][]byte {
	m := make(map[string][]byte, len(s.files))
	for p, f := range s.files {
		if f.Rejected {
			continue
		}
		m[p] = f.Src
	}
	return m
}

// sortedPaths returns the file paths in order.
func (s *fileSet) sortedPaths() []string {
	out := make([]string, 0, len(s.files))
	for p := range s.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// maxParseErrorsPerFile keeps one binary or badly broken file from flooding
// the report: the first errors locate the problem.
const maxParseErrorsPerFile = 10

func countErrors(diags hcl.Diagnostics) int {
	n := 0
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			n++
		}
	}
	return n
}
