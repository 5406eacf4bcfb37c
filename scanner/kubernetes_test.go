package scanner

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/finding"
)

func scanK8sFixture(t *testing.T, dir string, opts Options) finding.Report {
	t.Helper()
	opts.BaseDir, opts.Paths = dir, []string{dir}
	rep, err := Scan(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func ksvIDs(fs []finding.Finding, keep func(finding.Finding) bool) []string {
	var out []string
	for _, f := range fs {
		if strings.HasPrefix(f.RuleID, "KSV-") && f.Suppressed == nil && keep(f) {
			out = append(out, f.RuleID)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// TestKubernetesDeploymentHCLMatchesYAML: a kubernetes_deployment with a
// privileged container, host network and no resource limits gets the same
// KSV IDs as the same Deployment in YAML, at the HCL lines, with the
// resource address; the built-in TFR-K8S findings are folded into them.
func TestKubernetesDeploymentHCLMatchesYAML(t *testing.T) {
	t.Run("in-process", func(t *testing.T) { testKubernetesDeploymentHCLMatchesYAML(t, Options{}) })
	// Root modules evaluated in worker processes: the model comes back
	// over the wire.
	t.Run("workers", func(t *testing.T) {
		testKubernetesDeploymentHCLMatchesYAML(t, Options{WorkerCommand: testWorkerCommand(t)})
	})
}

func testKubernetesDeploymentHCLMatchesYAML(t *testing.T, opts Options) {
	dir, _ := filepath.Abs(filepath.Join("..", "testdata", "kubernetes"))
	rep := scanK8sFixture(t, dir, opts)
	hcl := ksvIDs(rep.Findings, func(f finding.Finding) bool { return f.Resource == "kubernetes_deployment.web" })
	yaml := ksvIDs(rep.Findings, func(f finding.Finding) bool { return f.Range.File == "manifests/web.yaml" })
	if !slices.Equal(hcl, yaml) {
		t.Errorf("HCL deployment KSV IDs %v, YAML %v", hcl, yaml)
	}
	for _, id := range []string{"KSV-0017", "KSV-0009", "KSV-0011", "KSV-0018"} {
		if !slices.Contains(hcl, id) {
			t.Errorf("%s missing from the HCL deployment (%v)", id, hcl)
		}
	}
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.RuleID, "TFR-K8S-") && f.Resource == "kubernetes_deployment.web" {
			switch f.RuleID {
			case "TFR-K8S-001", "TFR-K8S-004", "TFR-K8S-009":
				t.Errorf("%s reported beside its KSV counterpart: %s", f.RuleID, f.Message)
			}
		}
		if f.Resource != "kubernetes_deployment.web" {
			continue
		}
		if f.Range.File != "main.tf" {
			t.Errorf("%s of the HCL deployment at %s", f.RuleID, f.Range.File)
		}
		switch f.RuleID {
		case "KSV-0017":
			if f.Range.Start.Line != 25 || f.Fix == nil || !slices.Contains(f.Aliases, "TFR-K8S-001") {
				t.Errorf("KSV-0017 at line %d fix %v aliases %v; want the privileged attribute (25), the built-in fix, alias TFR-K8S-001", f.Range.Start.Line, f.Fix != nil, f.Aliases)
			}
		case "KSV-0009":
			if f.Range.Start.Line != 20 || !slices.Contains(f.Aliases, "TFR-K8S-004") {
				t.Errorf("KSV-0009 at line %d aliases %v; want host_network (20), alias TFR-K8S-004", f.Range.Start.Line, f.Aliases)
			}
		}
	}
	rbac := ksvIDs(rep.Findings, func(f finding.Finding) bool { return f.Resource == "kubernetes_cluster_role_v1.everything" })
	rbacYAML := ksvIDs(rep.Findings, func(f finding.Finding) bool {
		return f.Range.File == "manifests/multi.yaml" && f.Range.Start.Line > 18
	})
	if len(rbac) == 0 || !slices.Equal(rbac, rbacYAML) {
		t.Errorf("HCL cluster role KSV IDs %v, YAML %v", rbac, rbacYAML)
	}
	var manifestPID bool
	for _, f := range rep.Findings {
		if f.RuleID == "KSV-0010" && f.Resource == "kubernetes_manifest.debug" {
			// The hostPID attribute, where the built-in TFR-K8S-004 folded in put it.
			manifestPID = f.Range.File == "main.tf" && f.Range.Start.Line == 53
		}
	}
	if !manifestPID {
		t.Error("kubernetes_manifest with hostPID: no KSV-0010 at hostPID (main.tf:53)")
	}
	if rep.Sources["manifests/web.yaml"] == nil {
		t.Error("the YAML file is not in the report's sources")
	}
}

func TestKubernetesYAMLIgnoreAndPSS(t *testing.T) {
	dir, _ := filepath.Abs(filepath.Join("..", "testdata", "kubernetes"))
	rep := scanK8sFixture(t, dir, Options{})
	debug := ksvIDs(rep.Findings, func(f finding.Finding) bool {
		return f.Range.File == "manifests/multi.yaml" && f.Range.Start.Line < 18
	})
	if slices.Contains(debug, "KSV-0017") || !slices.Contains(debug, "KSV-0010") {
		t.Errorf("debug pod: %v; want KSV-0010 and not KSV-0017 (trivy:ignore comment)", debug)
	}
	base := scanK8sFixture(t, dir, Options{K8sPSS: "baseline"})
	web := ksvIDs(base.Findings, func(f finding.Finding) bool { return f.Range.File == "manifests/web.yaml" })
	if slices.Contains(web, "KSV-0011") || !slices.Contains(web, "KSV-0017") {
		t.Errorf("baseline on web.yaml: %v; want KSV-0017 without KSV-0011", web)
	}
}

func TestKubernetesYAMLParseErrorAndSizeLimit(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "big.yml"), []byte("apiVersion: v1\nkind: Pod\n"+strings.Repeat("# pad\n", 400)), 0o644)
	rep := scanK8sFixture(t, dir, Options{Limits: Limits{MaxFileSize: 1000}})
	got := map[string]int{}
	for _, f := range rep.Findings {
		if f.RuleID == ParseRuleID {
			got[f.Range.File] = f.Range.Start.Line
		}
	}
	if got["bad.yaml"] < 3 || got["big.yml"] != 1 {
		t.Errorf("TFR-PARSE findings %v; want bad.yaml at line 3+ (the broken flow sequence) and big.yml at 1", got)
	}
}

// TestHostileKubernetesYAMLSymlinkOutsideRoot: a YAML symlink (file or directory) pointing out of the
// scanned directory is not read.
func TestHostileKubernetesYAMLSymlinkOutsideRoot(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.yaml"), []byte("apiVersion: v1\nkind: Pod\nspec:\n  hostPID: true\n  containers:\n    - name: x\n      image: x\n"), 0o644)
	dir := t.TempDir()
	os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "link.yaml"))
	os.Symlink(outside, filepath.Join(dir, "linkdir"))
	rep := scanK8sFixture(t, dir, Options{})
	for _, f := range rep.Findings {
		t.Errorf("finding from outside the root: %s %s", f.RuleID, f.Range.File)
	}
}

// TestKubernetesHCLIgnoreCommentOnKSV: a tfreview:ignore comment in HCL
// naming the KSV ID, or the retired built-in ID it folded, suppresses the
// KSV finding on the Terraform-declared object.
func TestKubernetesHCLIgnoreCommentOnKSV(t *testing.T) {
	for _, id := range []string{"KSV-0017", "TFR-K8S-001"} {
		dir := t.TempDir()
		src := "resource \"kubernetes_pod\" \"p\" {\n  metadata {\n    name = \"p\"\n  }\n  spec {\n    container {\n      name  = \"c\"\n      image = \"busybox:1.36\"\n      security_context {\n        privileged = true # tfreview:ignore:" + id + " debug pod\n      }\n    }\n  }\n}\n"
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		rep := scanK8sFixture(t, dir, Options{})
		for _, f := range rep.Findings {
			if (f.HasID("KSV-0017") || f.HasID("TFR-K8S-001")) && f.Suppressed == nil {
				t.Errorf("ignore naming %s: %s still reported at line %d", id, f.RuleID, f.Range.Start.Line)
			}
		}
	}
}

// TestHelmReleaseRenderedLocally: a helm_release whose chart is a
// directory of the scanned tree is rendered offline with the release's
// values (values YAML, set blocks) and the chart's defaults; KSV findings
// the release's values bring are at the values attribute or set block,
// those of the chart's defaults at the chart attribute, each naming the
// rendered template. A chart from a repository, or a path out of the
// tree, is a note.
func TestHelmReleaseRenderedLocally(t *testing.T) {
	dir := filepath.Join("..", "testdata", "helm")
	rep, err := Scan(context.Background(), Options{Paths: []string{dir}, BaseDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	type at struct {
		id, resource, path string
		line               int
	}
	got := map[at]string{}
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.RuleID, "KSV") {
			got[at{f.RuleID, f.Resource, f.AttributePath, f.Range.Start.Line}] = f.Message
		}
	}
	for _, w := range []struct {
		at
		msg string
	}{
		{at{"KSV-0017", "helm_release.privileged", "set", 23}, `'privileged-app' should set 'securityContext.privileged' to false \(chart template charts/app/templates/deployment.yaml line 18, rendered with the release's values\)`},
		{at{"KSV-0009", "helm_release.hostnet", "values", 34}, `hostNetwork' to true \(chart template charts/app/templates/deployment.yaml line 6, rendered`},
		{at{"KSV-0011", "helm_release.hostnet", "values", 34}, `resources.limits.cpu`},
		{at{"KSV-0020", "helm_release.plain", "chart", 13}, `from the chart's defaults: the release does not override them`},
	} {
		msg, ok := got[w.at]
		if !ok {
			t.Errorf("no %+v; got %v", w.at, got)
			continue
		}
		if !regexp.MustCompile(w.msg).MatchString(msg) {
			t.Errorf("%+v: message %q does not match %q", w.at, msg, w.msg)
		}
	}
	for a := range got {
		if a.resource == "helm_release.plain" && (a.id == "KSV-0017" || a.id == "KSV-0009") || a.resource == "helm_release.ingress" || a.resource == "helm_release.outside" {
			t.Errorf("unexpected %+v", a)
		}
	}
	var remote, outside bool
	for _, n := range rep.Notes {
		remote = remote || strings.Contains(n.Message, `helm_release.ingress: Kubernetes checks not run on the release: chart "ingress-nginx" from repository`)
		outside = outside || strings.Contains(n.Message, `helm_release.outside: Kubernetes checks not run on the release: chart "../../../etc" is not a chart directory in the scanned tree`)
	}
	if !remote || !outside {
		t.Errorf("notes: remote chart %v, chart out of the tree %v; want both: %v", remote, outside, rep.Notes)
	}
}
