package github

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/reporters/review"
)

// What a change did to its own gate is in the summary, and the change's
// own text in it (config values, ignore reasons) stays inert.
func TestSummaryListsGateChangesInertly(t *testing.T) {
	h := newHarness(t)
	rep := prReport(h.dir)
	rep.Gate = &finding.Gate{From: "base", BaseCommit: "0123456789abcdef0123", Changes: []finding.GateChange{
		{Kind: finding.GateSetting, Subject: "owners", Detail: `(unset) → [{"mention":["@octo-org/everyone"],"labels":["approved"]}] ` + hostile},
		{Kind: finding.GateSuppression, Subject: "AWS-0086", Detail: "approved by @boss, see #1 ![x](https://evil.example/x.png)", Range: rng("main.tf", 2, 1, 2, 30)},
		{Kind: finding.GateBaseline, Subject: ".tfreview-baseline.json", Detail: "1 entry added: AWS-0086 main.tf"},
	}}
	if _, err := h.run(review.GitHubPRReview, Options{PRComment: true}, rep); err != nil {
		t.Fatal(err)
	}
	summary := h.stepSummary()
	for _, want := range []string{"edits the settings that judge it", "setting `owners`", `ignore added for AWS\-0086`, "not honoured", "baseline `.tfreview-baseline.json`"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	var out bytes.Buffer
	if err := gfm.Convert([]byte(summary), &out); err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(out.String(), "")
	text = strings.ReplaceAll(text, "&#8203;", "\u200b")
	for _, m := range mentionRE.FindAllStringSubmatch(text, -1) {
		t.Errorf("mention %q survives in the summary", m[2])
	}
	for _, m := range hrefRE.FindAllStringSubmatch(out.String(), -1) {
		if strings.Contains(m[1], "evil") {
			t.Errorf("link to %q", m[1])
		}
	}
	if strings.Contains(out.String(), "<img") {
		t.Errorf("image in the summary")
	}
}
