package trivyadapter

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"strings"
	"testing"

	checks "github.com/aquasecurity/trivy-checks"
	"github.com/open-policy-agent/opa/v1/rego"
)

// metadataEval compiles a version of lib.cloud.metadata and returns a
// function evaluating obj_by_path(obj, path) with it.
func metadataEval(t *testing.T, src string) func(obj, path any) (any, bool) {
	t.Helper()
	q, err := rego.New(
		rego.Query("x := data.lib.cloud.metadata.obj_by_path(input.obj, input.path)"),
		rego.Module("metadata.rego", src),
	).PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return func(obj, path any) (any, bool) {
		rs, err := q.Eval(context.Background(), rego.EvalInput(map[string]any{"obj": obj, "path": path}))
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) == 0 {
			return nil, false
		}
		return rs[0].Bindings["x"], true
	}
}

// TestFastMetadataMatchesOriginal: obj_by_path of fastMetadata gives what
// trivy-checks' own gives, on hand-picked cases (those of trivy-checks'
// metadata_test.rego, a path that is not a prefix, string and numeric
// paths, false and missing metadata, iac-typed values) and on 3,000
// random resources and paths.
func TestFastMetadataMatchesOriginal(t *testing.T) {
	orig, err := fs.ReadFile(checks.EmbeddedLibraryFileSystem, metadataLib)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(orig), "walk(obj, [obj_path, child_object])") {
		t.Fatalf("trivy-checks' %s changed: review fastMetadata against it\n%s", metadataLib, orig)
	}
	slow, fast := metadataEval(t, string(orig)), metadataEval(t, fastMetadata)
	meta := func(m map[string]any) map[string]any { m["__defsec_metadata"] = map[string]any{"range": "x"}; return m }
	bar := meta(map[string]any{"value": 1})
	cases := []struct {
		obj, path any
	}{
		{meta(map[string]any{"foo": meta(map[string]any{"bar": bar})}), []any{"foo", "bar"}},
		{meta(map[string]any{"foo": meta(map[string]any{"bar": bar})}), []any{"foo", "baz"}},
		{meta(map[string]any{"foo": meta(map[string]any{"bar": bar})}), "baz"},
		{meta(map[string]any{"foo": map[string]any{"bar": bar}}), []any{"foo", "baz"}},
		{meta(map[string]any{"foo": meta(map[string]any{"bar": map[string]any{"value": 1, "fskey": "k"}})}), []any{"foo", "bar"}},
		// A run that is not a prefix: ["bar"] is inside ["foo", "bar"].
		{meta(map[string]any{"bar": meta(map[string]any{"x": 1}), "foo": map[string]any{}}), []any{"foo", "bar"}},
		{meta(map[string]any{"a": []any{meta(map[string]any{"b": 1})}}), []any{"a", 0}},
		{meta(map[string]any{"a": []any{meta(map[string]any{"b": 1})}}), []any{"a", "0"}},
		{map[string]any{"a": map[string]any{"__defsec_metadata": false}}, []any{"a"}},
		{map[string]any{"a": 1}, []any{}},
		{"string", []any{"a"}},
		{meta(map[string]any{}), []any{}},
	}
	for i, c := range cases {
		want, wok := slow(c.obj, c.path)
		got, gok := fast(c.obj, c.path)
		if wok != gok || fmt.Sprint(want) != fmt.Sprint(got) {
			t.Errorf("case %d: obj_by_path(%v, %v) = %v (%v), original %v (%v)", i, c.obj, c.path, got, gok, want, wok)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []string{"a", "b", "c"}
	var gen func(depth int) any
	gen = func(depth int) any {
		if depth == 0 || rng.IntN(4) == 0 {
			return rng.IntN(3)
		}
		if rng.IntN(5) == 0 {
			return []any{gen(depth - 1), gen(depth - 1)}
		}
		m := map[string]any{}
		for _, k := range keys {
			if rng.IntN(2) == 0 {
				m[k] = gen(depth - 1)
			}
		}
		switch rng.IntN(4) {
		case 0, 1:
			m["__defsec_metadata"] = map[string]any{"d": depth}
		case 2:
			m["fskey"], m["value"] = "k", depth
		}
		return m
	}
	for i := range 3000 {
		obj := gen(4)
		path := make([]any, rng.IntN(5))
		for j := range path {
			if rng.IntN(8) == 0 {
				path[j] = rng.IntN(2)
			} else {
				path[j] = keys[rng.IntN(len(keys))]
			}
		}
		want, wok := slow(obj, path)
		got, gok := fast(obj, path)
		if wok != gok || fmt.Sprint(want) != fmt.Sprint(got) {
			t.Fatalf("random case %d: obj_by_path(%v, %v) = %v (%v), original %v (%v)", i, obj, path, got, gok, want, wok)
		}
	}
}
