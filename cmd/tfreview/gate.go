package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/tfreview/tfreview/baseline"
	"github.com/tfreview/tfreview/config"
	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/newsince"
)

// The settings that judge a change — the config file (with its owners
// routing) and the baseline — are, with --new-since, read from the base
// revision by default: a pull request that adds disabled_checks, raises
// fail_on or regenerates the baseline must not pass its own gate by doing
// so. What the change does to them is listed in Report.Gate instead.

// judgement is where the gate's settings came from for one run.
type judgement struct {
	base     *newsince.Base // nil when the base could not be resolved
	fromHead bool           // --config-from head
	gate     *finding.Gate
}

// configCandidates are the config files tried in order, as loadConfig
// tries them.
func configCandidates(explicit, firstPath string) []string {
	if explicit != "" {
		return []string{explicit}
	}
	return []string{filepath.Join(firstPath, config.FileName), config.FileName}
}

// judgeChange resolves the --new-since base and returns the config the
// change is judged with: the base's (default) or the head's
// (--config-from head), and the setting changes between them.
func judgeChange(ctx context.Context, f compareFlags, explicitConfig, firstPath string, allowOutside bool, head *config.Config) (*judgement, *config.Config, error) {
	j := &judgement{fromHead: f.configFrom.value == "head", gate: &finding.Gate{From: f.configFrom.value}}
	base, err := newsince.ResolveBase(ctx, firstPath, f.newSince, nil)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if newsince.IsError(err) && f.fallback.value == "all" {
			// No comparison will be made either; every finding is
			// reported, judged by the working tree's settings.
			j.gate.From = "head"
			return j, head, nil
		}
		return nil, nil, withCode(exitError, err)
	}
	j.base, j.gate.BaseCommit = base, base.Commit
	baseCfg := &config.Config{}
	for _, p := range configCandidates(explicitConfig, firstPath) {
		data, found, err := base.ReadFile(ctx, p)
		if err != nil {
			return nil, nil, withCode(exitError, fmt.Errorf("config at the --new-since base: %w", err))
		}
		if !found {
			continue
		}
		if baseCfg, err = config.Parse(data); err != nil {
			return nil, nil, withCode(exitError, fmt.Errorf("config %s at the --new-since base %.12s: %w", p, base.Commit, err))
		}
		if !allowOutside {
			if err := baseCfg.ConfineTo(filepath.Dir(p)); err != nil {
				return nil, nil, withCode(exitError, fmt.Errorf("config %s at the --new-since base %.12s: %w", p, base.Commit, err))
			}
		}
		break
	}
	j.gate.Changes = configChanges(baseCfg, head, j.fromHead)
	if j.fromHead {
		return j, head, nil
	}
	return j, baseCfg, nil
}

// readBaseline reads the --baseline file the change is judged with: at the
// base unless --config-from head, listing the entries the change adds.
func (j *judgement) readBaseline(ctx context.Context, file string) (*baseline.File, []byte, error) {
	if j == nil || j.base == nil {
		return baseline.Read(file)
	}
	headFile, headSrc, headErr := baseline.Read(file)
	baseSrc, found, err := j.base.ReadFile(ctx, file)
	if err != nil {
		return nil, nil, fmt.Errorf("baseline at the --new-since base: %w", err)
	}
	var baseFile *baseline.File
	if found {
		if baseFile, err = baseline.Parse(baseSrc); err != nil {
			return nil, nil, fmt.Errorf("baseline %s at the --new-since base %.12s: %w", file, j.base.Commit, err)
		}
	}
	if headErr == nil {
		if added := addedEntries(baseFile, headFile); len(added) > 0 {
			detail := fmt.Sprintf("%d %s added: %s", len(added), pluralOf(len(added), "entry", "entries"), joinCapped(added, 10))
			if baseFile == nil {
				detail = "new file; " + detail
			}
			j.gate.Changes = append(j.gate.Changes, finding.GateChange{Kind: finding.GateBaseline, Subject: file, Detail: detail, Applied: j.fromHead})
		}
	}
	if j.fromHead {
		return headFile, headSrc, headErr
	}
	if baseFile == nil {
		return nil, nil, nil // no baseline at the base: nothing is suppressed
	}
	return baseFile, baseSrc, nil
}

// attach puts the gate on the report, after the suppressions the
// comparison found.
func (j *judgement) attach(rep *finding.Report) {
	if j == nil {
		return
	}
	g := *j.gate
	if rep.Gate != nil {
		g.Changes = append(slices.Clone(g.Changes), rep.Gate.Changes...)
	}
	if g.Changes == nil {
		g.Changes = []finding.GateChange{}
	}
	rep.Gate = &g
}

// configChanges lists the config keys whose values differ, base → head.
func configChanges(base, head *config.Config, applied bool) []finding.GateChange {
	bm, hm := yamlMap(base), yamlMap(head)
	var keys []string
	for k := range bm {
		keys = append(keys, k)
	}
	for k := range hm {
		if _, ok := bm[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []finding.GateChange
	for _, k := range keys {
		if reflect.DeepEqual(bm[k], hm[k]) {
			continue
		}
		out = append(out, finding.GateChange{Kind: finding.GateSetting, Subject: k,
			Detail: compactValue(bm[k]) + " → " + compactValue(hm[k]), Applied: applied})
	}
	return out
}

// yamlMap is the config as its YAML keys see it; unset keys are absent.
func yamlMap(c *config.Config) map[string]any {
	out := map[string]any{}
	if c == nil {
		return out
	}
	data, err := yaml.Marshal(c)
	if err != nil {
		return out
	}
	_ = yaml.Unmarshal(data, &out)
	for k, v := range out {
		if isEmpty(v) {
			delete(out, k)
		}
	}
	return out
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case []any:
		return len(x) == 0
	case map[string]any:
		for _, e := range x {
			if !isEmpty(e) {
				return false
			}
		}
		return true
	}
	return false
}

// maxDetail bounds a value quoted from a config file.
const maxDetail = 300

func compactValue(v any) string {
	if v == nil {
		return "(unset)"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if r := []rune(s); len(r) > maxDetail {
		s = string(r[:maxDetail]) + "…"
	}
	return s
}

// addedEntries are the rule IDs (with files) of head entries whose
// fingerprint the base baseline lacks.
func addedEntries(base, head *baseline.File) []string {
	if head == nil {
		return nil
	}
	had := map[string]bool{}
	if base != nil {
		for _, e := range base.Findings {
			had[e.Fingerprint] = true
		}
	}
	var out []string
	for _, e := range head.Findings {
		if !had[e.Fingerprint] {
			out = append(out, e.RuleID+" "+e.File)
		}
	}
	return out
}

func joinCapped(items []string, most int) string {
	s := ""
	for i, it := range items {
		if i == most {
			return s + fmt.Sprintf(", and %d more", len(items)-most)
		}
		if i > 0 {
			s += ", "
		}
		s += it
	}
	return s
}

func pluralOf(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
