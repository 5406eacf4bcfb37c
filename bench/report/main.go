// Command report turns the benchmark's raw measurements into figures:
//
//	report findings FILE.json          number of findings in a tfreview, trivy or tfsec JSON report
//	report compare TFREVIEW TRIVY      compare the Trivy findings of both reports
//	report same MERGED SINGLE          whether two tfreview reports hold the same active findings
//	report table RUNS.tsv CORPORA.tsv [MERGE.tsv [TREEMEM.tsv]]
//	                                   the markdown table of docs/performance.md
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
	case "same":
		if len(os.Args) != 4 {
			usage()
		}
		err = same(os.Stdout, os.Args[2], os.Args[3])
	case "table":
		if len(os.Args) < 4 || len(os.Args) > 6 {
			usage()
		}
		extra := append(os.Args[4:], "", "")
		err = table(os.Stdout, os.Args[2], os.Args[3], extra[0], extra[1])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: report findings FILE.json | compare TFREVIEW.json TRIVY.json | same MERGED.json SINGLE.json | table RUNS.tsv CORPORA.tsv [MERGE.tsv [TREEMEM.tsv]]")
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
		Message    string `json:"message"`
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

// tfsecReport is tfsec's json format: without --include-passed and
// --include-ignored every result is a failure (status 0).
type tfsecReport struct {
	Results []struct {
		RuleID   string `json:"rule_id"`
		Status   int    `json:"status"`
		Location struct {
			Filename  string `json:"filename"`
			StartLine int    `json:"start_line"`
			EndLine   int    `json:"end_line"`
		} `json:"location"`
	} `json:"results"`
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

// unlocated is what tfreview's message of a Trivy finding that came
// without a location says (it is placed at line 1 of its root module).
const unlocated = "(Trivy gave no location for this finding"

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
			if strings.Contains(f.Message, unlocated) {
				// Trivy puts such a finding on the scanned directory, line 0.
				out = append(out, key{f.RuleID, ".", 0, 0})
				continue
			}
			out = append(out, key{f.RuleID, f.Range.File, f.Range.Start.Line, f.Range.End.Line})
		}
		return out, nil
	}
	if _, ok := probe["results"]; ok {
		var r tfsecReport
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		for _, f := range r.Results {
			if f.Status == 0 {
				out = append(out, key{f.RuleID, f.Location.Filename, f.Location.StartLine, f.Location.EndLine})
			}
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
	failed                   int // runs that failed: see summarise
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
		// tfreview exits 1 for findings; trivy (no --exit-code) and tfsec
		// (--soft-fail) exit 0 with findings, so 1 is their error.
		if r.exit != 0 && (r.exit != 1 || r.tool == "trivy" || r.tool == "tfsec") {
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

// Tools in table order: the subject, the peers, the subject in other
// modes (Trivy's inputs only, with a cold and a warm cache), the subject
// before the performance work (when measured), the lower bound.
var tools = []string{"tfreview", "trivy", "tfsec", "tfreview-trivy-inputs", "tfreview-cache-cold", "tfreview-cache-warm", "tfreview-base", "parseonly"}

// peers are the other scanners: no ratio is computed for their rows.
func isPeer(tool string) bool { return tool == "trivy" || tool == "tfsec" || tool == "parseonly" }

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
func table(w io.Writer, runsFile, corporaFile, mergeFile, treeFile string) error {
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

	fmt.Fprintln(w, "| corpus | .tf files / roots / resources | tool | runs | wall median (s) | wall min–max (s) | CPU median (s) | peak RSS median (MiB) | findings | tfreview / trivy wall | tfreview / trivy RSS | tfreview / tfsec wall | tfreview / tfsec RSS | tfreview / parse-only wall |")
	fmt.Fprintln(w, "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
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
			ratioWall, ratioRSS, secWall, secRSS, ratioFloor := "", "", "", "", ""
			if !isPeer(t) {
				if p, ok := sums["trivy"]; ok && p.med > 0 {
					ratioWall = fmt.Sprintf("**%.2f×**", s.med/p.med)
					ratioRSS = fmt.Sprintf("**%.2f×**", s.rssMed/p.rssMed)
				}
				if p, ok := sums["tfsec"]; ok && p.med > 0 {
					secWall = fmt.Sprintf("**%.2f×**", s.med/p.med)
					secRSS = fmt.Sprintf("**%.2f×**", s.rssMed/p.rssMed)
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
			fmt.Fprintf(w, "| %s | %s | %s | %d | %.2f | %.2f–%.2f | %.2f | %.0f | %s | %s | %s | %s | %s | %s |\n",
				name, sh, t, s.n, s.med, s.lo, s.hi, s.cpu, s.rssMed, findings, ratioWall, ratioRSS, secWall, secRSS, ratioFloor)
		}
	}
	growth(w, by, info)
	merges, err := readMerges(mergeFile)
	if err != nil {
		return err
	}
	shardRows := sharding(w, grouped, by, merges)
	tree, err := readTreeMem(treeFile)
	if err != nil {
		return err
	}
	treeTable(w, order, tree, by)
	targets(w, by)
	targets14(w, order, by, shardRows, merges, tree)
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

// fullFinding is what makes two tfreview findings the same: everything a
// reader or a reporter sees of it.
type fullFinding struct {
	RuleID  string `json:"rule_id"`
	Message string `json:"message"`
	Range   struct {
		File  string `json:"file"`
		Start struct {
			Line   int `json:"line"`
			Column int `json:"column"`
		} `json:"start"`
		End struct {
			Line   int `json:"line"`
			Column int `json:"column"`
		} `json:"end"`
	} `json:"range"`
	Resource    string `json:"resource"`
	Fingerprint string `json:"fingerprint"`
	Suppressed  bool   `json:"suppressed"`
}

func readFull(file string) ([]string, int, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, 0, err
	}
	var r struct {
		Summary struct {
			Total int `json:"total"`
		} `json:"summary"`
		Findings []fullFinding `json:"findings"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", file, err)
	}
	var out []string
	for _, f := range r.Findings {
		if f.Suppressed {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s:%d:%d-%d:%d %s %s %q", f.RuleID, f.Range.File, f.Range.Start.Line, f.Range.Start.Column,
			f.Range.End.Line, f.Range.End.Column, f.Resource, f.Fingerprint, f.Message))
	}
	slices.Sort(out)
	return out, r.Summary.Total, nil
}

// same prints whether a merged report and a single scan's report hold the
// same active findings (as multisets: rule, range, resource, fingerprint,
// message) and the same summary total, and fails if not.
func same(w io.Writer, mergedFile, singleFile string) error {
	a, ta, err := readFull(mergedFile)
	if err != nil {
		return err
	}
	b, tb, err := readFull(singleFile)
	if err != nil {
		return err
	}
	if slices.Equal(a, b) && ta == tb {
		fmt.Fprintf(w, "identical: %d findings, summary total %d\n", len(a), ta)
		return nil
	}
	onlyA, onlyB := 0, 0
	var firstA, firstB string
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			if onlyA == 0 {
				firstA = a[i]
			}
			onlyA++
			i++
		case i == len(a) || b[j] < a[i]:
			if onlyB == 0 {
				firstB = b[j]
			}
			onlyB++
			j++
		default:
			i++
			j++
		}
	}
	fmt.Fprintf(w, "differ: merged %d findings (total %d), single scan %d (total %d); only merged %d, only single %d\n", len(a), ta, len(b), tb, onlyA, onlyB)
	if firstA != "" {
		fmt.Fprintf(w, "  first only merged: %s\n", firstA)
	}
	if firstB != "" {
		fmt.Fprintf(w, "  first only single: %s\n", firstB)
	}
	return fmt.Errorf("reports differ")
}

// mergeResult is one line of MERGE.tsv (bench/run.sh): the corpus, the
// number of shards, and `report same`'s verdict on the merged shards
// against the single scan.
type mergeResult struct {
	corpus    string
	n         int
	identical bool
	text      string
}

func readMerges(file string) ([]mergeResult, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []mergeResult
	for i, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if l == "" {
			continue
		}
		f := strings.SplitN(l, "\t", 3)
		if len(f) != 3 {
			return nil, fmt.Errorf("%s:%d: want corpus, N and the verdict", file, i+1)
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, i+1, err)
		}
		out = append(out, mergeResult{f[0], n, strings.HasPrefix(f[2], "identical"), f[2]})
	}
	return out, nil
}

// shardRow is the timing of one `--shard K/N` split of a corpus: each
// shard's median wall time, run alone, against the whole scan's.
type shardRow struct {
	corpus           string
	n                int
	walls            []float64 // per shard K = 1..N, median of its runs
	maxWall, mean    float64
	whole            float64
	maxRSS, wholeMB  float64
	maxCPU, wholeCPU float64 // CPU is steadier than wall on a shared machine
}

// sharding writes the sharded timing table. Shard runs are in runs.tsv as
// tool "shard-K/N".
func sharding(w io.Writer, grouped map[string]map[string][]run, by map[string]map[string]summary, merges []mergeResult) []shardRow {
	var rows []shardRow
	for c, ts := range grouped {
		ns := map[int]map[int]summary{}
		for t, rs := range ts {
			var k, n int
			if _, err := fmt.Sscanf(t, "shard-%d/%d", &k, &n); err != nil {
				continue
			}
			if ns[n] == nil {
				ns[n] = map[int]summary{}
			}
			ns[n][k] = summarise(rs)
		}
		whole, ok := by[c]["tfreview"]
		if !ok {
			continue
		}
		for n, shards := range ns {
			if len(shards) != n {
				continue
			}
			r := shardRow{corpus: c, n: n, whole: whole.med, wholeMB: whole.rssMed, wholeCPU: whole.cpu}
			for k := 1; k <= n; k++ {
				s := shards[k]
				r.walls = append(r.walls, s.med)
				r.maxWall = max(r.maxWall, s.med)
				r.mean += s.med / float64(n)
				r.maxRSS = max(r.maxRSS, s.rssMed)
				r.maxCPU = max(r.maxCPU, s.cpu)
			}
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	slices.SortFunc(rows, func(a, b shardRow) int {
		if a.corpus != b.corpus {
			return strings.Compare(a.corpus, b.corpus)
		}
		return a.n - b.n
	})
	fmt.Fprintln(w)
	fmt.Fprintln(w, "### Shards")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "`tfreview scan --shard K/N --show-ignored --format json`, each shard run alone (one after the other, as one job of a matrix would run it on its own runner), median wall per shard over its runs; then `tfreview merge` of the N reports compared with the single scan (`report same`: the active findings as multisets of rule, range, resource, fingerprint and message, and the summary total). Ideal is 1/N of the whole scan's wall (the `tfreview` row above) for the slowest shard: a matrix waits for it.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| corpus | N | wall per shard (s) | slowest shard (s) | mean shard (s) | whole scan (s) | whole / N (s) | slowest / (whole / N) | mean / (whole / N) | CPU, largest shard / (whole / N) | peak RSS, largest shard / whole (MiB) | merged = single scan |")
	fmt.Fprintln(w, "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
	for _, r := range rows {
		var ws []string
		for _, x := range r.walls {
			ws = append(ws, fmt.Sprintf("%.2f", x))
		}
		ideal := r.whole / float64(r.n)
		verdict := "not measured"
		for _, m := range merges {
			if m.corpus == r.corpus && m.n == r.n {
				verdict = m.text
			}
		}
		fmt.Fprintf(w, "| %s | %d | %s | %.2f | %.2f | %.2f | %.2f | %.2f× | %.2f× | %.2f× (%.1f s / %.1f s) | %.0f / %.0f | %s |\n", r.corpus, r.n, strings.Join(ws, ", "),
			r.maxWall, r.mean, r.whole, ideal, r.maxWall/ideal, r.mean/ideal, r.maxCPU/(r.wholeCPU/float64(r.n)), r.maxCPU, r.wholeCPU/float64(r.n), r.maxRSS, r.wholeMB, verdict)
	}
	return rows
}

// Issue 14's bounds.
const (
	maxWallVsTrivy    = 0.4  // tfreview wall ≤ 0.4× trivy config's
	maxRSSVsTfsec     = 1.5  // tfreview peak RSS ≤ 1.5× tfsec's
	maxWarmVsCold     = 0.1  // warm-cache rescan ≤ 0.1× the cold scan
	maxShardVsIdeal   = 1.25 // "≈ 1/N": the slowest shard within 25% of whole/N
	cacheColdTool     = "tfreview-cache-cold"
	cacheWarmTool     = "tfreview-cache-warm"
	targetsCorpusNote = "every corpus measured with all three scanners"
)

// targets14 checks the figures against issue 14's "Done when".
func targets14(w io.Writer, order []string, by map[string]map[string]summary, shards []shardRow, merges []mergeResult, tree map[string]map[string]treeMem) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "### Targets (issue 14)")
	fmt.Fprintln(w)
	mark := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**not met**"
	}
	// check writes one target over every corpus: the ratio on each, and
	// whether it holds on all.
	check := func(title string, data map[string]map[string]summary, ratio func(sums map[string]summary) (float64, bool), bound float64) {
		var parts []string
		all, n := true, 0
		for _, c := range order {
			sums, ok := data[c]
			if !ok {
				continue
			}
			r, ok := ratio(sums)
			if !ok {
				continue
			}
			n++
			p := fmt.Sprintf("%s %.2f×", c, r)
			if r > bound {
				all = false
				p = "**" + p + "**"
			}
			parts = append(parts, p)
		}
		if n == 0 {
			fmt.Fprintf(w, "- [ ] %s: not measured.\n", title)
			return
		}
		box := " "
		if all {
			box = "x"
		}
		fmt.Fprintf(w, "- [%s] %s (%s): %s — %s.\n", box, title, targetsCorpusNote, strings.Join(parts, ", "), mark(all))
	}
	ratioOf := func(peer string, rss bool) func(map[string]summary) (float64, bool) {
		return func(sums map[string]summary) (float64, bool) {
			t, ok1 := sums["tfreview"]
			p, ok2 := sums[peer]
			_, ok3 := sums["trivy"]
			_, ok4 := sums["tfsec"]
			if !ok1 || !ok2 || !ok3 || !ok4 || p.med <= 0 || p.rssMed <= 0 {
				return 0, false
			}
			if rss {
				return t.rssMed / p.rssMed, true
			}
			return t.med / p.med, true
		}
	}
	check("Wall ≤ tfsec's, tfreview / tfsec", by, ratioOf("tfsec", false), 1)
	check(fmt.Sprintf("Wall ≤ %.1f× trivy config's, tfreview / trivy", maxWallVsTrivy), by, ratioOf("trivy", false), maxWallVsTrivy)
	check(fmt.Sprintf("Peak RSS ≤ %.1f× tfsec's, tfreview / tfsec, GNU time's largest single process", maxRSSVsTfsec), by, ratioOf("tfsec", true), maxRSSVsTfsec)
	treeBy := map[string]map[string]summary{}
	for c, ts := range tree {
		if _, ok := ts["tfreview"]; !ok {
			continue
		}
		treeBy[c] = map[string]summary{}
		for t, m := range ts {
			// One run each: its PSS stands in for the wall and RSS
			// medians ratioOf reads.
			treeBy[c][t] = summary{med: float64(m.pssKB), rssMed: float64(m.pssKB)}
		}
	}
	check(fmt.Sprintf("Peak memory ≤ %.1f× tfsec's, tfreview / tfsec, PSS of the whole process tree (workers included)", maxRSSVsTfsec), treeBy, ratioOf("tfsec", true), maxRSSVsTfsec)

	var cache []string
	cacheOK, cacheN := true, 0
	for _, c := range order {
		cold, ok1 := by[c][cacheColdTool]
		warm, ok2 := by[c][cacheWarmTool]
		if !ok1 || !ok2 || cold.med <= 0 {
			continue
		}
		cacheN++
		r := warm.med / cold.med
		cacheOK = cacheOK && r <= maxWarmVsCold
		cache = append(cache, fmt.Sprintf("%s: warm %.2f s / cold %.2f s = %.2f× (CPU %.2f s / %.2f s)", c, warm.med, cold.med, r, warm.cpu, cold.cpu))
	}
	if cacheN == 0 {
		fmt.Fprintf(w, "- [ ] Warm-cache rescan ≤ %.1f× cold: not measured.\n", maxWarmVsCold)
	} else {
		fmt.Fprintf(w, "- [%s] Warm-cache rescan ≤ %.1f× cold (`--cache-dir`, unchanged tree): %s — %s.\n", boxOf(cacheOK), maxWarmVsCold, strings.Join(cache, "; "), mark(cacheOK))
	}

	if len(shards) == 0 {
		fmt.Fprintln(w, "- [ ] Sharded 1/N wall ≈ 1/N of the whole: not measured.")
	} else {
		var parts []string
		ok := true
		for _, r := range shards {
			q := r.maxWall / (r.whole / float64(r.n))
			ok = ok && q <= maxShardVsIdeal
			parts = append(parts, fmt.Sprintf("%s N=%d: slowest shard %.2f s against %.2f s / %d = %.2f s (%.2f×; CPU %.2f×)", r.corpus, r.n, r.maxWall, r.whole, r.n, r.whole/float64(r.n), q, r.maxCPU/(r.wholeCPU/float64(r.n))))
		}
		fmt.Fprintf(w, "- [%s] Sharded 1/N wall ≈ 1/N of the whole (slowest shard ≤ %.2f× whole/N): %s — %s.\n", boxOf(ok), maxShardVsIdeal, strings.Join(parts, "; "), mark(ok))
	}
	if len(merges) == 0 {
		fmt.Fprintln(w, "- [ ] Merged shards identical to the single scan: not measured.")
	} else {
		var parts []string
		ok := true
		for _, m := range merges {
			ok = ok && m.identical
			parts = append(parts, fmt.Sprintf("%s N=%d: %s", m.corpus, m.n, m.text))
		}
		fmt.Fprintf(w, "- [%s] `tfreview merge` of the shards equals the single scan (findings: count and set): %s — %s.\n", boxOf(ok), strings.Join(parts, "; "), mark(ok))
	}
}

func boxOf(ok bool) string {
	if ok {
		return "x"
	}
	return " "
}

// treeMem is one line of TREEMEM.tsv (bench/treemem via bench/run.sh).
type treeMem struct {
	pssKB, rssKB, procs int
}

func readTreeMem(file string) (map[string]map[string]treeMem, error) {
	out := map[string]map[string]treeMem{}
	if file == "" {
		return out, nil
	}
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	for i, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Split(l, "\t")
		if i == 0 && f[0] == "corpus" || l == "" {
			continue
		}
		if len(f) != 5 {
			return nil, fmt.Errorf("%s:%d: want 5 fields, got %d", file, i+1, len(f))
		}
		var m treeMem
		var errs [3]error
		m.pssKB, errs[0] = strconv.Atoi(f[2])
		m.rssKB, errs[1] = strconv.Atoi(f[3])
		m.procs, errs[2] = strconv.Atoi(f[4])
		for _, err := range errs {
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", file, i+1, err)
			}
		}
		if out[f[0]] == nil {
			out[f[0]] = map[string]treeMem{}
		}
		out[f[0]][f[1]] = m
	}
	return out, nil
}

// treeTable writes the peak memory of each scanner's whole process tree.
func treeTable(w io.Writer, order []string, tree map[string]map[string]treeMem, by map[string]map[string]summary) {
	if len(tree) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "### Memory of the whole process tree")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "GNU time's peak RSS (the table above) is that of the largest single process. tfreview evaluates root modules in worker processes, so that figure leaves the workers out; trivy and tfsec run in one process. One more run of each scanner per corpus (after the timed runs, or in a later `TREEMEM_ONLY=1` pass) under [bench/treemem](../bench/treemem/main.go), which sums the PSS (proportional set size: pages shared between processes, such as the executable's, split between them) of the whole process tree every 20 ms; the peak is shown, with the most processes seen.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| corpus | tfreview PSS (MiB, processes) | GNU time tfreview (MiB) | trivy PSS (MiB) | tfsec PSS (MiB) | tfreview / trivy | tfreview / tfsec |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, c := range order {
		ts, ok := tree[c]
		if !ok {
			continue
		}
		t, ok := ts["tfreview"]
		if !ok {
			continue
		}
		cell := func(tool string) (string, string) {
			p, ok := ts[tool]
			if !ok || p.pssKB == 0 {
				return "–", "–"
			}
			return fmt.Sprintf("%.0f", float64(p.pssKB)/1024), fmt.Sprintf("**%.2f×**", float64(t.pssKB)/float64(p.pssKB))
		}
		trivy, rTrivy := cell("trivy")
		tfsec, rTfsec := cell("tfsec")
		fmt.Fprintf(w, "| %s | %.0f (%d) | %.0f | %s | %s | %s | %s |\n", c, float64(t.pssKB)/1024, t.procs, by[c]["tfreview"].rssMed, trivy, tfsec, rTrivy, rTfsec)
	}
}
