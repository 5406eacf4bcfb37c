package main

import (
	"fmt"
	"strings"

	"github.com/agext/levenshtein"

	"github.com/tfreview/tfreview/config"
	"github.com/tfreview/tfreview/scanner"
)

// validateCheckIDs refuses check IDs in --checks, --skip-checks and
// disabled_checks that name no check: a typo there would otherwise run
// nothing (or skip nothing) and report "No problems found".
func validateCheckIDs(opts scanner.Options, f optionFlags, cfg *config.Config) error {
	lists := []struct {
		from string
		ids  []string
	}{{"--checks", f.checks}, {"--skip-checks", f.skipChecks}, {"disabled_checks", cfg.DisabledChecks}}
	any := false
	for _, l := range lists {
		any = any || len(l.ids) > 0
	}
	if !any {
		return nil
	}
	all, err := scanner.AllChecksWith(opts.ChecksBundle, opts.CustomChecks)
	if err != nil {
		return err
	}
	known := map[string]string{} // upper-cased ID or alias -> as spelled
	for _, c := range all {
		known[strings.ToUpper(c.ID)] = c.ID
		for _, a := range c.Aliases {
			known[strings.ToUpper(a)] = a
		}
	}
	for _, l := range lists {
		for _, id := range l.ids {
			if _, ok := known[strings.ToUpper(id)]; ok {
				continue
			}
			msg := fmt.Sprintf("%s: unknown check %q", l.from, id)
			if near := closestID(id, known); near != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", near)
			}
			return fmt.Errorf("%s; `tfreview checks` lists them", msg)
		}
	}
	return nil
}

// closestID is the known ID nearest to id by edit distance, if it is near
// enough to be a likely typo.
func closestID(id string, known map[string]string) string {
	best, bestDist := "", 0
	up := strings.ToUpper(id)
	for k, spelled := range known {
		d := levenshtein.Distance(up, k, nil)
		if best == "" || d < bestDist || d == bestDist && spelled < best {
			best, bestDist = spelled, d
		}
	}
	if bestDist > max(2, len(id)/3) {
		return ""
	}
	return best
}
