package newsince

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func TestSplitAddress(t *testing.T) {
	cases := []struct {
		addr string
		mods []string
		rest string
	}{
		{"aws_s3_bucket.b", nil, "aws_s3_bucket.b"},
		{"module.a.aws_s3_bucket.b[0]", []string{"module.a"}, "aws_s3_bucket.b[0]"},
		{`module.a["x.y]"].module.b[2].aws_s3_bucket.c["k"]`, []string{`module.a["x.y]"]`, "module.b[2]"}, `aws_s3_bucket.c["k"]`},
		{"module.vpc", []string{"module.vpc"}, ""},
		{"data.aws_iam_policy_document.p", nil, "data.aws_iam_policy_document.p"},
	}
	for _, c := range cases {
		mods, rest := splitAddress(c.addr)
		if !slices.Equal(mods, c.mods) || rest != c.rest {
			t.Errorf("splitAddress(%q) = %q, %q; want %q, %q", c.addr, mods, rest, c.mods, c.rest)
		}
	}
}

func TestRenameMoved(t *testing.T) {
	moved := map[string][]movedStmt{
		".": {
			{From: "aws_s3_bucket.old", To: "aws_s3_bucket.new"},
			{From: "module.a", To: "module.b"},
			{From: "aws_instance.one", To: "aws_instance.one[0]"},
			{From: "aws_sqs_queue.x", To: "aws_sqs_queue.y"},
			{From: "aws_sqs_queue.y", To: "aws_sqs_queue.z"},
		},
		"modules/m": {{From: "aws_s3_bucket.inner", To: "aws_s3_bucket.renamed"}},
	}
	get := func(dir string) []movedStmt { return moved[dir] }
	cases := []struct {
		addr string
		dirs []string
		want string
	}{
		{"aws_s3_bucket.old", []string{"."}, "aws_s3_bucket.new"},
		{"aws_s3_bucket.old[3]", []string{"."}, "aws_s3_bucket.new[3]"},
		{"aws_s3_bucket.older", []string{"."}, "aws_s3_bucket.older"},
		{`module.a["k"].aws_s3_bucket.x`, []string{".", "modules/m"}, `module.b["k"].aws_s3_bucket.x`},
		{"module.a.aws_s3_bucket.inner", []string{".", "modules/m"}, "module.b.aws_s3_bucket.renamed"},
		{"aws_instance.one", []string{"."}, "aws_instance.one[0]"},
		{"aws_instance.one[0]", []string{"."}, "aws_instance.one[0]"},
		{"aws_sqs_queue.x", []string{"."}, "aws_sqs_queue.z"},
	}
	for _, c := range cases {
		if got := renameMoved(c.addr, c.dirs, get); got != c.want {
			t.Errorf("renameMoved(%q) = %q, want %q", c.addr, got, c.want)
		}
	}
}

func TestTraversalAddress(t *testing.T) {
	for src, want := range map[string]string{
		`aws_instance.web[0]`:         `aws_instance.web[0]`,
		`module.m["a"].aws_s3.b`:      `module.m["a"].aws_s3.b`,
		`data.aws_iam_policy.p`:       `data.aws_iam_policy.p`,
		`module.m`:                    `module.m`,
		`aws_instance.web[var.x]`:     "",
		`"not a traversal"`:           "",
		`aws_instance.web["q\"uote"]`: `aws_instance.web["q\"uote"]`,
	} {
		expr, diags := hclsyntax.ParseExpression([]byte(src), "x.tf", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", src, diags)
		}
		got, ok := traversalAddress(expr)
		if want == "" {
			if ok {
				t.Errorf("%s: want no address, got %q", src, got)
			}
			continue
		}
		if !ok || got != want {
			t.Errorf("%s: got %q, %v; want %q", src, got, ok, want)
		}
	}
}

func TestParseUnifiedDiff(t *testing.T) {
	diff := `diff --git a/main.tf b/main.tf
index 1..2 100644
--- a/main.tf
+++ b/main.tf
@@ -3 +3 @@ resource "x" "y" {
-  a = 1
+  a = 2
@@ -10,2 +9,0 @@
-  b = 1
-  c = 1
@@ -20,0 +19,3 @@
+x
+y
+z
diff --git a/old.tf b/new dir/new.tf
similarity index 90%
rename from old.tf
rename to new dir/new.tf
--- a/old.tf
+++ b/new dir/new.tf
@@ -1 +1 @@
-a
+b
diff --git a/gone.tf b/gone.tf
deleted file mode 100644
--- a/gone.tf
+++ /dev/null
@@ -1,2 +0,0 @@
-a
-b
`
	got := parseUnifiedDiff([]byte(diff))
	want := map[string][]lineSpan{
		"main.tf":        {{3, 1}, {9, 0}, {19, 3}},
		"new dir/new.tf": {{1, 1}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for f, spans := range want {
		if !slices.Equal(got[f], spans) {
			t.Errorf("%s: got %v, want %v", f, got[f], spans)
		}
	}
	spans := got["main.tf"]
	for _, c := range []struct {
		from, to int
		want     bool
	}{{3, 3, true}, {1, 2, false}, {8, 10, true}, {9, 9, false}, {10, 18, false}, {21, 30, true}} {
		if overlaps(spans, c.from, c.to) != c.want {
			t.Errorf("overlaps(%d-%d) = %v", c.from, c.to, !c.want)
		}
	}
}

func TestResolveAuto(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sha := "0123456789abcdef0123456789abcdef01234567"
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"GITHUB_EVENT_PATH": write("pr.json", `{"pull_request":{"base":{"sha":"`+sha+`"}}}`), "GITHUB_BASE_REF": "main"}, sha},
		{map[string]string{"GITHUB_EVENT_PATH": write("push.json", `{"before":"`+sha+`"}`)}, sha},
		{map[string]string{"GITHUB_EVENT_PATH": write("new.json", `{"before":"0000000000000000000000000000000000000000"}`), "GITHUB_BASE_REF": "develop"}, "origin/develop"},
		{map[string]string{"GITHUB_BASE_REF": "main"}, "origin/main"},
		{map[string]string{}, ""},
	}
	for i, c := range cases {
		got, err := resolveAuto(func(k string) string { return c.env[k] })
		if c.want == "" {
			if err == nil {
				t.Errorf("%d: want an error, got %q", i, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%d: got %q, %v; want %q", i, got, err, c.want)
		}
	}
}
