// Command report turns the benchmark's raw measurements into figures:
//
//	report findings FILE.json          number of findings in a tfreview or trivy JSON report
//	report compare TFREVIEW TRIVY      compare the Trivy findings of both reports
//	report table RUNS.tsv CORPORA.tsv  the markdown table of docs/performance.md
//
// RUNS.tsv has one line per run: corpus, tool, run number, wall seconds,
// peak RSS in KiB, exit status, findings (see bench/run.sh).
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "findings":
		if len(os.Args) != 3 {
			usage()
		}
		var ks []key
		ks, err = readFindings(os.Args[2], false)
		if err == nil {
			fmt.Println(len(ks))
		}
	case "compare":
		if len(os.Args) != 4 {
			usage()
		}
		err = compare(os.Stdout, os.Args[2], os.Args[3])
	case "table":
		if len(os.Args) != 4 {
			usage()
		}
		err = table(os.Stdout, os.Args[2], os.Args[3])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: report findings FILE.json | compare TFREVIEW.json TRIVY.json | table RUNS.tsv CORPORA.tsv")
	os.Exit(2)
}

// key identifies a finding the way Trivy's results can be compared: check
// ID, file and lines (Trivy's ranges have no columns).
type key struct {
	ID         string
	File       string
	Start, End int
}

func (k key) String() string { return fmt.Sprintf("%s %s:%d-%d", k.ID, k.File, k.Start, k.End) }

// tfreviewReport and trivyReport hold the fields read from each JSON format.
type tfreviewReport struct {
	SchemaVersion string `json:"schema_version"`
	Findings      []struct {
		RuleID     string `json:"rule_id"`
		Engine     string `json:"engine"`
		Suppressed bool   `json:"suppressed"`
		Range      struct {
			File  string `json:"file"`
			Start struct {
				Line int `json:"line"`
			} `json:"start"`
			End struct {
				Line int `json:"line"`
			} `json:"end"`
		} `json:"range"`
	} `json:"findings"`
}

type trivyReport struct {
	Results []struct {
		Target            string `json:"Target"`
		Misconfigurations []struct {
			ID            string `json:"ID"`
			Status        string `json:"Status"`
			CauseMetadata struct {
				StartLine int `json:"StartLine"`
				EndLine   int `json:"EndLine"`
			} `json:"CauseMetadata"`
		} `json:"Misconfigurations"`
	} `json:"Results"`
}

// readFindings reads the findings of either format. With trivyOnly, only
// the findings of tfreview's trivy engine are kept.
func readFindings(file string, trivyOnly bool) ([]key, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var out []key
	if _, ok := probe["schema_version"]; ok {
		var r tfreviewReport
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		for _, f := range r.Findings {
			if f.Suppressed || trivyOnly && f.Engine != "trivy" {
				continue
			}
			out = append(out, key{f.RuleID, f.Range.File, f.Range.Start.Line, f.Range.End.Line})
		}
		return out, nil
	}
	var r trivyReport
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for _, res := range r.Results {
		for _, m := range res.Misconfigurations {
			if m.Status != "FAIL" {
				continue
			}
			out = append(out, key{m.ID, path.Clean(res.Target), m.CauseMetadata.StartLine, m.CauseMetadata.EndLine})
		}
	}
	return out, nil
}

func set(ks []key) map[key]bool {
	m := make(map[key]bool, len(ks))
	for _, k := range ks {
		m[k] = true
	}
	return m
}

// compare prints how the trivy-engine findings of a tfreview report match
// a `trivy config` report, as sets of (check ID, file, start, end line).
func compare(w io.Writer, tfreviewFile, trivyFile string) error {
	a, err := readFindings(tfreviewFile, true)
	if err != nil {
		return err
	}
	b, err := readFindings(trivyFile, false)
	if err != nil {
		return err
	}
	sa, sb := set(a), set(b)
	var onlyA, onlyB []string
	for k := range sa {
		if !sb[k] {
			onlyA = append(onlyA, k.String())
		}
	}
	for k := range sb {
		if !sa[k] {
			onlyB = append(onlyB, k.String())
		}
	}
	slices.Sort(onlyA)
	slices.Sort(onlyB)
	fmt.Fprintf(w, "tfreview trivy-engine findings: %d (%d distinct); trivy config findings: %d (%d distinct)\n", len(a), len(sa), len(b), len(sb))
	fmt.Fprintf(w, "in both: %d; only tfreview: %d; only trivy: %d\n", len(sa)-len(onlyA), len(onlyA), len(onlyB))
	show := func(title string, xs []string) {
		if len(xs) == 0 {
			return
		}
		fmt.Fprintf(w, "%s (first 20):\n", title)
		for _, x := range xs[:min(20, len(xs))] {
			fmt.Fprintln(w, "  "+x)
		}
	}
	show("only tfreview", onlyA)
	show("only trivy", onlyB)
	if len(onlyA)+len(onlyB) > 0 {
		return fmt.Errorf("findings differ")
	}
	return nil
}

// run is one line of RUNS.tsv.
type run struct {
	corpus, tool string
	wall         float64
	rssKB        int
	exit         int
	findings     int
}

func readRuns(file string) ([]run, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out []run
	for i, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Split(l, "\t")
		if i == 0 && f[0] == "corpus" || l == "" {
			continue
		}
		if len(f) != 7 {
			return nil, fmt.Errorf("%s:%d: want 7 fields, got %d", file, i+1, len(f))
		}
		wall, err1 := strconv.ParseFloat(f[3], 64)
		rss, err2 := strconv.Atoi(f[4])
		exit, err3 := strconv.Atoi(f[5])
		findings, err4 := strconv.Atoi(f[6])
		for _, err := range []error{err1, err2, err3, err4} {
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", file, i+1, err)
			}
		}
		out = append(out, run{f[0], f[1], wall, rss, exit, findings})
	}
	return out, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

type summary struct {
	n                   int
	med, lo, hi, rssMed float64 // seconds, MiB
	findings            string
}

func summarise(rs []run) summary {
	var walls, rss []float64
	fs := map[int]bool{}
	for _, r := range rs {
		walls = append(walls, r.wall)
		rss = append(rss, float64(r.rssKB)/1024)
		fs[r.findings] = true
	}
	var counts []string
	for f := range fs {
		counts = append(counts, strconv.Itoa(f))
	}
	slices.Sort(counts)
	return summary{n: len(rs), med: median(walls), lo: slices.Min(walls), hi: slices.Max(walls), rssMed: median(rss),
		findings: strings.Join(counts, "/")}
}

// Tools in table order; the first is the subject, the second the peer.
var tools = []string{"tfreview", "trivy", "parseonly"}

func table(w io.Writer, runsFile, corporaFile string) error {
	runs, err := readRuns(runsFile)
	if err != nil {
		return err
	}
	corpusInfo := map[string][]string{}
	var order []string
	if data, err := os.ReadFile(corporaFile); err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
			f := strings.Split(l, "\t")
			corpusInfo[f[0]] = f
			order = append(order, f[0])
		}
	}
	by := map[string]map[string][]run{}
	for _, r := range runs {
		if by[r.corpus] == nil {
			by[r.corpus] = map[string][]run{}
			if !slices.Contains(order, r.corpus) {
				order = append(order, r.corpus)
			}
		}
		by[r.corpus][r.tool] = append(by[r.corpus][r.tool], r)
	}
	fmt.Fprintln(w, "| corpus | files / roots / resources | tool | runs | wall median (s) | min | max | peak RSS median (MiB) | findings | tfreview / trivy wall | tfreview / trivy RSS | tfreview / parse-only wall |")
	fmt.Fprintln(w, "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, c := range order {
		rs, ok := by[c]
		if !ok {
			continue
		}
		sums := map[string]summary{}
		for t, r := range rs {
			sums[t] = summarise(r)
		}
		shape := ""
		if info := corpusInfo[c]; len(info) >= 6 {
			shape = fmt.Sprintf("%s / %s / %s", info[1], info[4], info[5])
		}
		first := true
		for _, t := range tools {
			s, ok := sums[t]
			if !ok {
				continue
			}
			name, sh := "", ""
			if first {
				name, sh = c, shape
				first = false
			}
			ratioWall, ratioRSS, ratioFloor := "", "", ""
			if t == "tfreview" {
				if p, ok := sums["trivy"]; ok && p.med > 0 {
					ratioWall = fmt.Sprintf("**%.2f×**", s.med/p.med)
					ratioRSS = fmt.Sprintf("**%.2f×**", s.rssMed/p.rssMed)
				}
				if p, ok := sums["parseonly"]; ok && p.med > 0 {
					ratioFloor = fmt.Sprintf("%.1f×", s.med/p.med)
				}
			}
			findings := s.findings
			if t == "parseonly" {
				findings = "–"
			}
			fmt.Fprintf(w, "| %s | %s | %s | %d | %.2f | %.2f | %.2f | %.0f | %s | %s | %s | %s |\n",
				name, sh, t, s.n, s.med, s.lo, s.hi, s.rssMed, findings, ratioWall, ratioRSS, ratioFloor)
		}
	}
	return nil
}
