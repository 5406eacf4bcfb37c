// Command report turns the benchmark's raw measurements into figures:
//
//	report findings FILE.json          number of findings in a tfreview or trivy JSON report
//	report compare TFREVIEW TRIVY      compare the Trivy findings of both reports
//	report table RUNS.tsv CORPORA.tsv  the markdown table of docs/performance.md
//
// RUNS.tsv has one line per run: corpus, tool, run number, wall seconds,
// peak RSS in KiB, exit status, findings, CPU seconds (user+sys) (see
// bench/run.sh).
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
	cpu          float64
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
		if len(f) != 8 {
			return nil, fmt.Errorf("%s:%d: want 8 fields, got %d", file, i+1, len(f))
		}
		wall, err1 := strconv.ParseFloat(f[3], 64)
		rss, err2 := strconv.Atoi(f[4])
		exit, err3 := strconv.Atoi(f[5])
		findings, err4 := strconv.Atoi(f[6])
		cpu, err5 := strconv.ParseFloat(f[7], 64)
		for _, err := range []error{err1, err2, err3, err4, err5} {
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", file, i+1, err)
			}
		}
		out = append(out, run{f[0], f[1], wall, rss, exit, findings, cpu})
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
	n                        int
	med, lo, hi, cpu, rssMed float64 // seconds, MiB
	findings                 string
	failed                   int // runs that exited with a status other than 0 or 1
}

func summarise(rs []run) summary {
	var walls, rss, cpus []float64
	fs := map[int]bool{}
	failed := 0
	for _, r := range rs {
		walls = append(walls, r.wall)
		rss = append(rss, float64(r.rssKB)/1024)
		cpus = append(cpus, r.cpu)
		fs[r.findings] = true
		if r.exit != 0 && r.exit != 1 {
			failed++
		}
	}
	var counts []int
	for f := range fs {
		counts = append(counts, f)
	}
	slices.Sort(counts)
	var strs []string
	for _, c := range counts {
		strs = append(strs, strconv.Itoa(c))
	}
	return summary{n: len(rs), med: median(walls), lo: slices.Min(walls), hi: slices.Max(walls), cpu: median(cpus),
		rssMed: median(rss), findings: strings.Join(strs, "/"), failed: failed}
}

// Tools in table order: the subject, the peer, the subject before the
// performance work (when measured), the lower bound.
var tools = []string{"tfreview", "trivy", "tfreview-trivy-inputs", "tfreview-base", "parseonly"}

// corpusInfo is one line of corpora.tsv.
type corpusInfo struct {
	files, tfFiles, lines, roots, resources int
	doc                                     string
}

func readCorpora(file string) (map[string]corpusInfo, []string) {
	info := map[string]corpusInfo{}
	var order []string
	data, err := os.ReadFile(file)
	if err != nil {
		return info, nil
	}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		f := strings.Split(l, "\t")
		if len(f) < 7 {
			continue
		}
		atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
		info[f[0]] = corpusInfo{atoi(f[1]), atoi(f[2]), atoi(f[3]), atoi(f[4]), atoi(f[5]), f[6]}
		order = append(order, f[0])
	}
	return info, order
}

// table writes the results table, the growth slopes and the targets.
func table(w io.Writer, runsFile, corporaFile string) error {
	runs, err := readRuns(runsFile)
	if err != nil {
		return err
	}
	info, order := readCorpora(corporaFile)
	by := map[string]map[string]summary{}
	grouped := map[string]map[string][]run{}
	for _, r := range runs {
		if grouped[r.corpus] == nil {
			grouped[r.corpus] = map[string][]run{}
			if !slices.Contains(order, r.corpus) {
				order = append(order, r.corpus)
			}
		}
		grouped[r.corpus][r.tool] = append(grouped[r.corpus][r.tool], r)
	}
	for c, ts := range grouped {
		by[c] = map[string]summary{}
		for t, rs := range ts {
			by[c][t] = summarise(rs)
		}
	}

	fmt.Fprintln(w, "| corpus | .tf files / roots / resources | tool | runs | wall median (s) | wall min–max (s) | CPU median (s) | peak RSS median (MiB) | findings | tfreview / trivy wall | tfreview / trivy RSS | tfreview / parse-only wall |")
	fmt.Fprintln(w, "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, c := range order {
		sums, ok := by[c]
		if !ok {
			continue
		}
		shape := ""
		if ci, ok := info[c]; ok {
			shape = fmt.Sprintf("%d / %d / %d", ci.tfFiles, ci.roots, ci.resources)
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
			if t != "trivy" && t != "parseonly" {
				if p, ok := sums["trivy"]; ok && p.med > 0 {
					ratioWall = fmt.Sprintf("**%.2f×**", s.med/p.med)
					ratioRSS = fmt.Sprintf("**%.2f×**", s.rssMed/p.rssMed)
				}
				if p, ok := sums["parseonly"]; ok && p.med > 0 {
					ratioFloor = fmt.Sprintf("%.0f×", s.med/p.med)
				}
			}
			findings := s.findings
			if t == "parseonly" {
				findings = "–"
			}
			if s.failed > 0 {
				findings += fmt.Sprintf(" (%d runs failed)", s.failed)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %d | %.2f | %.2f–%.2f | %.2f | %.0f | %s | %s | %s | %s |\n",
				name, sh, t, s.n, s.med, s.lo, s.hi, s.cpu, s.rssMed, findings, ratioWall, ratioRSS, ratioFloor)
		}
	}
	growth(w, by, info)
	targets(w, by)
	return nil
}

// growth reports the slope of time and memory per root module and per
// resource between the growth corpora, and whether it stays linear.
func growth(w io.Writer, by map[string]map[string]summary, info map[string]corpusInfo) {
	sizes := []string{"roots-10", "roots-100", "roots-1000"}
	for _, c := range sizes {
		if by[c] == nil {
			return
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "### Growth")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Slopes between consecutive growth corpora (median wall, CPU and peak RSS). Linear growth means the per-root slope stays about the same from 10→100 to 100→1,000.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| tool | interval | wall per root (ms) | CPU per root (ms) | wall per resource (ms) | RSS per root (MiB) |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: |")
	var verdicts []string
	for _, t := range []string{"tfreview", "trivy"} {
		var slopes, rssSlopes []float64
		for i := 0; i+1 < len(sizes); i++ {
			a, b := by[sizes[i]][t], by[sizes[i+1]][t]
			ia, ib := info[sizes[i]], info[sizes[i+1]]
			dr := float64(ib.roots - ia.roots)
			dres := float64(ib.resources - ia.resources)
			if dr <= 0 || dres <= 0 {
				continue
			}
			fmt.Fprintf(w, "| %s | %d→%d roots | %.1f | %.1f | %.2f | %.2f |\n", t, ia.roots, ib.roots,
				1000*(b.med-a.med)/dr, 1000*(b.cpu-a.cpu)/dr, 1000*(b.med-a.med)/dres, (b.rssMed-a.rssMed)/dr)
			slopes = append(slopes, (b.cpu-a.cpu)/dr)
			rssSlopes = append(rssSlopes, (b.rssMed-a.rssMed)/dr)
		}
		if len(slopes) == 2 && slopes[0] > 0 && rssSlopes[0] > 0 {
			verdicts = append(verdicts, fmt.Sprintf("%s: CPU per root from 100 to 1,000 roots is %.2f× the slope from 10 to 100, RSS per root %.2f×", t, slopes[1]/slopes[0], rssSlopes[1]/rssSlopes[0]))
		}
	}
	fmt.Fprintln(w)
	for _, v := range verdicts {
		fmt.Fprintf(w, "- %s (1 = linear; the corpora differ only in the number of roots, so a ratio near 1 means linear growth, and the spread is load noise).\n", v)
	}
}

// targets checks the figures against issue 7's targets.
func targets(w io.Writer, by map[string]map[string]summary) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "### Targets (issue 7)")
	fmt.Fprintln(w)
	mark := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**not met**"
	}
	if l, ok := by["large"]; ok && l["trivy"].med > 0 {
		t, p := l["tfreview"], l["trivy"]
		fmt.Fprintf(w, "- Large corpus, wall ≤ 0.5× trivy: %.2f× — %s.\n", t.med/p.med, mark(t.med/p.med <= 0.5))
		fmt.Fprintf(w, "- Large corpus, peak RSS ≤ trivy's: %.2f× — %s.\n", t.rssMed/p.rssMed, mark(t.rssMed <= p.rssMed))
		fmt.Fprintf(w, "- Large corpus, CPU: %.2f× trivy's", t.cpu/p.cpu)
		if s, ok := l["tfreview-trivy-inputs"]; ok {
			fmt.Fprintf(w, " (%.2f× wall and %.2f× CPU doing only what trivy config does)", s.med/p.med, s.cpu/p.cpu)
		}
		fmt.Fprintln(w, ".")
	}
	if s, ok := by["small"]; ok && s["trivy"].med > 0 {
		t, p := s["tfreview"], s["trivy"]
		fmt.Fprintf(w, "- Small corpus, wall ≤ 0.5× trivy: %.2f× — %s.\n", t.med/p.med, mark(t.med/p.med <= 0.5))
		fmt.Fprintf(w, "- Small corpus, under 1 s wall: %.2f s — %s.\n", t.med, mark(t.med < 1))
	}
	if m, ok := by["minimal"]; ok {
		fmt.Fprintf(w, "- Fixed start-up cost (one resource; mostly compiling Trivy's checks): tfreview %.2f s wall / %.2f s CPU, trivy %.2f s wall / %.2f s CPU.\n",
			m["tfreview"].med, m["tfreview"].cpu, m["trivy"].med, m["trivy"].cpu)
	}
}
