package trivyadapter

import (
	"slices"
	"testing"
)

func TestKubernetesYAMLDocumentsSkippedAndOffset(t *testing.T) {
	src := []byte("name: not-k8s\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\n---\nkind: NoAPIVersion\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: b\n")
	objs, err := ParseKubernetesYAML("m.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	var offsets []int
	for _, o := range objs {
		kinds = append(kinds, o.Kind())
		offsets = append(offsets, o.Offset)
	}
	if !slices.Equal(kinds, []string{"Pod", "ServiceAccount"}) || !slices.Equal(offsets, []int{2, 10}) {
		t.Errorf("kinds %v offsets %v, want [Pod ServiceAccount] [2 10]", kinds, offsets)
	}
}

func TestKubernetesYAMLParseErrorLine(t *testing.T) {
	src := []byte("apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n")
	_, err := ParseKubernetesYAML("bad.yaml", src)
	pe, ok := err.(*YAMLParseError)
	if !ok {
		t.Fatalf("err = %v, want a YAMLParseError", err)
	}
	if pe.File != "bad.yaml" || pe.Line < 6 {
		t.Errorf("parse error at %s:%d, want bad.yaml, line 6 or after (the second document)", pe.File, pe.Line)
	}
}

const privilegedPod = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    # trivy:ignore:KSV-0011
    - name: c
      image: busybox:1.36
      securityContext:
        privileged: true
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: all
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
`

func scanIDs(t *testing.T, opts KubernetesOptions, withSource bool) map[string]bool {
	t.Helper()
	e, err := NewKubernetesEngine(opts)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := ParseKubernetesYAML("p.yaml", []byte(privilegedPod))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, o := range objs {
		var src []byte
		if withSource {
			src = []byte(privilegedPod)
		}
		fs, err := e.Scan(t.Context(), o, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Suppressed != nil {
				continue
			}
			ids[f.RuleID] = true
			if f.RuleID == "KSV-0017" && (f.Range.File != "p.yaml" || f.Range.Start.Line != 8 || !slices.Contains(f.Aliases, "AVD-KSV-0017") || !slices.Contains(f.Aliases, "kubernetes-no-privileged-containers")) {
				t.Errorf("KSV-0017 at %s:%d aliases %v, want p.yaml:8 with AVD-KSV-0017 and the long ID", f.Range.File, f.Range.Start.Line, f.Aliases)
			}
		}
	}
	return ids
}

func TestKubernetesPSSBaselineLimitsPodChecks(t *testing.T) {
	restricted := scanIDs(t, KubernetesOptions{}, false)
	baseline := scanIDs(t, KubernetesOptions{PSS: PSSBaseline}, false)
	for _, id := range []string{"KSV-0017", "KSV-0011", "KSV-0012", "KSV-0046"} {
		if !restricted[id] {
			t.Errorf("restricted: %s missing (got %v)", id, restricted)
		}
	}
	if !baseline["KSV-0017"] || !baseline["KSV-0046"] {
		t.Errorf("baseline: KSV-0017 (baseline) and KSV-0046 (RBAC, not a pod check) must stay, got %v", baseline)
	}
	for _, id := range []string{"KSV-0011", "KSV-0012", "KSV-0014"} {
		if baseline[id] {
			t.Errorf("baseline: %s is a restricted-only pod check and still ran", id)
		}
	}
	if _, err := NewKubernetesEngine(KubernetesOptions{PSS: "privileged"}); err == nil {
		t.Error("an unknown PSS level was accepted")
	}
}

func TestKubernetesYAMLTrivyIgnoreComment(t *testing.T) {
	without := scanIDs(t, KubernetesOptions{}, false)
	with := scanIDs(t, KubernetesOptions{}, true)
	if !without["KSV-0011"] || with["KSV-0011"] {
		t.Errorf("# trivy:ignore:KSV-0011 above the container: without source %v, with %v", without["KSV-0011"], with["KSV-0011"])
	}
	if !with["KSV-0017"] {
		t.Error("the ignore comment dropped KSV-0017 too")
	}
}

// TestKubernetesYAMLLinesInLaterDocuments: a finding in the third
// document of a file is at its line in the file (Trivy v0.74.0 reports
// it two lines early, one per separator before it).
func TestKubernetesYAMLLinesInLaterDocuments(t *testing.T) {
	src := "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostPID: true\n  containers:\n    - name: c\n      image: busybox:1.36\n"
	objs, err := ParseKubernetesYAML("m.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewKubernetesEngine(KubernetesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, o := range objs {
		fs, err := e.Scan(t.Context(), o, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.RuleID == "KSV-0010" {
				lines = append(lines, f.Range.Start.Line)
			}
		}
	}
	// hostPID is in the pod spec, which starts at "spec:" (line 15).
	if !slices.Equal(lines, []int{15}) {
		t.Errorf("KSV-0010 at lines %v, want [15]", lines)
	}
}
