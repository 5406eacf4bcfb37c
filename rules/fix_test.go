package rules

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/fixes"
	"github.com/tfreview/tfreview/tfmodel"
)

// project builds the evaluated model of one file the simple way (literal
// values only), enough to exercise fixes without the Trivy adapter.
func project(t *testing.T, file, src string) *tfmodel.Project {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), file, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	m := &tfmodel.Module{Dir: "."}
	var conv func(sb *hclsyntax.Block, parent *tfmodel.Block) *tfmodel.Block
	conv = func(sb *hclsyntax.Block, parent *tfmodel.Block) *tfmodel.Block {
		r := sb.Range()
		b := &tfmodel.Block{Type: sb.Type, Labels: sb.Labels, Parent: parent, Module: m, Attrs: map[string]*tfmodel.Attribute{},
			Range: tfmodel.ConvertRange(r, file, []byte(src)), DefRange: tfmodel.ConvertRange(sb.DefRange(), file, []byte(src))}
		b.Address = strings.Join(sb.Labels, ".")
		if parent != nil {
			b.Address = parent.Address
		}
		for name, a := range sb.Body.Attributes {
			v, _ := a.Expr.Value(nil)
			b.Attrs[name] = &tfmodel.Attribute{Name: name, Value: v, Expr: a.Expr, Block: b,
				Range: tfmodel.ConvertRange(a.Range(), file, []byte(src)), ExprRange: tfmodel.ConvertRange(a.Expr.Range(), file, []byte(src))}
		}
		for _, c := range sb.Body.Blocks {
			b.Blocks = append(b.Blocks, conv(c, b))
		}
		return b
	}
	for _, sb := range f.Body.(*hclsyntax.Body).Blocks {
		m.Blocks = append(m.Blocks, conv(sb, nil))
	}
	return &tfmodel.Project{RootModules: []*tfmodel.RootModule{{Dir: ".", Modules: []*tfmodel.Module{m}}},
		Sources: map[string][]byte{file: []byte(src)}}
}

func apply(t *testing.T, p *tfmodel.Project, file string, fix *finding.Fix) string {
	t.Helper()
	out, err := fixes.ApplyEdits(p.Sources[file], fix.Edits)
	if err != nil {
		t.Fatal(err)
	}
	if _, diags := hclsyntax.ParseConfig(out, file, hcl.InitialPos); diags.HasErrors() {
		t.Fatalf("fixed file does not parse: %s\n%s", diags, out)
	}
	return string(out)
}

func block(p *tfmodel.Project, path ...string) *tfmodel.Block {
	for _, b := range p.RootModules[0].Modules[0].Blocks {
		if len(b.Labels) > 1 && b.Labels[1] == path[0] {
			for _, typ := range path[1:] {
				b = b.Child(typ)
			}
			return b
		}
	}
	return nil
}

func TestSetFixEditsOnlyChangedLinesOfTheBlock(t *testing.T) {
	src := "# état: commentaire non ASCII\nresource \"aws_kms_key\" \"a\" {\n  description = \"clé\"\n}\n\nresource \"aws_kms_key\" \"b\" {\n  description         = \"b\"\n  enable_key_rotation = false # keep this comment\n  deletion_window_in_days = 7\n}\n"
	p := project(t, "main.tf", src)
	fix, why := setFix(p, block(p, "b"), []string{"enable_key_rotation"}, cty.True, "rotate")
	if fix == nil {
		t.Fatal(why)
	}
	if len(fix.Edits) != 1 {
		t.Fatalf("edits = %+v", fix.Edits)
	}
	e := fix.Edits[0]
	// The edit starts at the first changed line of block b and realigns
	// the attributes like terraform fmt.
	if e.Range.Start.Line != 7 || e.Range.Start.Column != 1 || e.Range.End.Line != 9 || e.Range.End.Column != 1 {
		t.Errorf("edit range = %+v", e.Range)
	}
	got := apply(t, p, "main.tf", fix)
	want := strings.Replace(src, "  description         = \"b\"\n  enable_key_rotation = false # keep this comment\n  deletion_window_in_days = 7\n",
		"  description             = \"b\"\n  enable_key_rotation     = true # keep this comment\n  deletion_window_in_days = 7\n", 1)
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestSetFixCreatesNestedBlocksInOneLineBlock(t *testing.T) {
	src := "resource \"aws_instance\" \"web\" {}\n"
	p := project(t, "main.tf", src)
	fix, why := setFix(p, block(p, "web"), []string{"metadata_options", "http_tokens"}, cty.StringVal("required"), "imdsv2")
	if fix == nil {
		t.Fatal(why)
	}
	got := apply(t, p, "main.tf", fix)
	want := "resource \"aws_instance\" \"web\" {\n  metadata_options {\n    http_tokens = \"required\"\n  }\n}\n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestSetFixKeepsCRLF(t *testing.T) {
	src := "resource \"aws_ebs_volume\" \"v\" {\r\n  size      = 10\r\n  encrypted = false\r\n}\r\n"
	p := project(t, "main.tf", src)
	fix, why := setFix(p, block(p, "v"), []string{"encrypted"}, cty.True, "encrypt")
	if fix == nil {
		t.Fatal(why)
	}
	got := apply(t, p, "main.tf", fix)
	if want := strings.Replace(src, "false", "true", 1); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if bytes.Count([]byte(got), []byte("\n")) != bytes.Count([]byte(got), []byte("\r\n")) {
		t.Errorf("mixed line endings: %q", got)
	}
}

func TestNoFixReasons(t *testing.T) {
	src := `variable "enc" {
  default = false
}

locals {
  on = false
}

resource "aws_ebs_volume" "var" {
  encrypted = var.enc
}

resource "aws_ebs_volume" "local" {
  encrypted = local.on
}

resource "aws_ebs_volume" "cond" {
  encrypted = 1 > 2 ? true : false
}

resource "aws_ebs_volume" "fn" {
  encrypted = tobool("false")
}

resource "aws_ebs_volume" "idx" {
  count     = 2
  encrypted = count.index == 0
}

resource "kubernetes_pod" "p" {
  spec {
    dynamic "container" {
      for_each = ["a"]
      content {
        name = container.value
      }
    }
  }
}
`
	p := project(t, "main.tf", src)
	for name, want := range map[string]string{
		"var":   "var.enc",
		"local": "local.on",
		"cond":  "conditional",
		"fn":    "tobool()",
		"idx":   "count",
	} {
		fix, why := setFix(p, block(p, name), []string{"encrypted"}, cty.True, "x")
		if fix != nil || !strings.Contains(why, want) {
			t.Errorf("%s: fix %v, reason %q, want a reason naming %q", name, fix, why, want)
		}
	}

	// A module input: the reason points at the call site.
	b := block(p, "var")
	b.Module.Address = "module.disks"
	_, why := setFix(p, b, []string{"encrypted"}, cty.True, "x")
	b.Module.Address = ""
	if !strings.Contains(why, "module input var.enc") || !strings.Contains(why, "module.disks") {
		t.Errorf("module input reason = %q", why)
	}

	// A block generated by a dynamic block: the model names it "container"
	// at the content block's line.
	pod := block(p, "p")
	dyn := pod.Child("spec").Child("dynamic")
	content := dyn.Child("content")
	gen := &tfmodel.Block{Type: "container", Parent: pod.Child("spec"), Module: pod.Module, Attrs: content.Attrs,
		Range: content.Range, DefRange: content.DefRange}
	if _, why := setFix(p, gen, []string{"security_context", "privileged"}, cty.False, "x"); !strings.Contains(why, "dynamic block") {
		t.Errorf("dynamic reason = %q", why)
	}
}

func TestNoFixInJSON(t *testing.T) {
	p := project(t, "main.tf", "resource \"aws_ebs_volume\" \"v\" {\n}\n")
	b := block(p, "v")
	b.Range.File, b.DefRange.File = "main.tf.json", "main.tf.json"
	if fix, why := setFix(p, b, []string{"encrypted"}, cty.True, "x"); fix != nil || !strings.Contains(why, "JSON") {
		t.Errorf("fix %v, reason %q", fix, why)
	}
}

func TestLineDiff(t *testing.T) {
	old := []byte("a {\n  x = 1\n  y = 2\n}")
	for _, tc := range []struct {
		new         string
		start, end  int
		repl        string
		wantChanged bool
	}{
		{"a {\n  x = 1\n  y = 2\n}", 0, 0, "", false},
		{"a {\n  x = 1\n  y = 3\n}", 12, 20, "  y = 3\n", true},
		{"a {\n  x = 1\n  y = 2\n  z = 3\n}", 20, 20, "  z = 3\n", true},
	} {
		s, e, r, ok := lineDiff(old, []byte(tc.new), false)
		if ok != tc.wantChanged || s != tc.start || e != tc.end || r != tc.repl {
			t.Errorf("lineDiff(%q) = %d, %d, %q, %v", tc.new, s, e, r, ok)
		}
	}
}

func TestK8sKeys(t *testing.T) {
	for in, want := range map[string]string{
		"allow_privilege_escalation": "allowPrivilegeEscalation",
		"host_pid":                   "hostPID",
		"host_ipc":                   "hostIPC",
		"read_only_root_filesystem":  "readOnlyRootFilesystem",
		"job_template":               "jobTemplate",
	} {
		if got := k8sKey(in); got != want {
			t.Errorf("k8sKey(%q) = %q, want %q", in, got, want)
		}
	}
	if got := k8sListKey("init_container"); got != "initContainers" {
		t.Errorf("k8sListKey = %q", got)
	}
}

func TestImageRef(t *testing.T) {
	for image, want := range map[string][2]string{
		"nginx":                             {"", ""},
		"nginx:1.27":                        {"1.27", ""},
		"registry:5000/team/app":            {"", ""},
		"registry:5000/team/app:latest":     {"latest", ""},
		"app@sha256:abc":                    {"", "sha256:abc"},
		"registry:5000/app:1.2@sha256:abcd": {"1.2", "sha256:abcd"},
	} {
		tag, digest := imageRef(image)
		if tag != want[0] || digest != want[1] {
			t.Errorf("imageRef(%q) = %q, %q", image, tag, digest)
		}
	}
}

func TestSecretKindsNeverNeedTheValue(t *testing.T) {
	const token = "ghp_Ab3De6Gh9Jk2Mn5Pq8St1Vw4Yz7Bc0Ef3Hi6K"
	kinds, first, end := secretKinds("token", `"`+token+`"`)
	if len(kinds) != 1 || kinds[0] != "a GitHub token" || first != 1 || end != 1+len(token) {
		t.Errorf("kinds %v at %d-%d, want the token alone, without its quotes", kinds, first, end)
	}
	if kinds, _, _ := secretKinds("key", `"AKIAIOSFODNN7EXAMPLE"`); len(kinds) != 0 {
		t.Errorf("AWS documentation example reported: %v", kinds)
	}
	if kinds, _, _ := secretKinds("description", `"q8Xk2Lm9Pz4Rt7Vw1Ny5Bc3Df6Gh0Jk8Ls2Qa4Er"`); len(kinds) != 0 {
		t.Errorf("a 40-character value not named like a secret reported: %v", kinds)
	}
}
