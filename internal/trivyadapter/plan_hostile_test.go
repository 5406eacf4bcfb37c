package trivyadapter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/trivyadapter"
)

// hostilePlan is a plan (terraform show -json, format 1.2) creating one
// resource of typ at address with the given planned values and
// configuration expressions, indented so that positions have lines.
func hostilePlan(t *testing.T, address, typ string, after, exprs map[string]any) []byte {
	t.Helper()
	name := address[strings.LastIndex(address, ".")+1:]
	res := map[string]any{"address": address, "mode": "managed", "type": typ, "name": name, "provider_name": "registry.terraform.io/hashicorp/aws", "values": after}
	cfg := map[string]any{"address": address, "mode": "managed", "type": typ, "name": name, "expressions": exprs}
	b, err := json.MarshalIndent(map[string]any{
		"format_version":   "1.2",
		"planned_values":   map[string]any{"root_module": map[string]any{"resources": []any{res}}},
		"resource_changes": []any{map[string]any{"address": address, "mode": "managed", "type": typ, "name": name, "change": map[string]any{"actions": []any{"create"}, "after": after}}},
		"configuration":    map[string]any{"root_module": map[string]any{"resources": []any{cfg}}},
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func scanPlanData(t *testing.T, data []byte) (*trivyadapter.Plan, []finding.Finding) {
	t.Helper()
	plan, err := trivyadapter.LoadPlan(context.Background(), data, trivyadapter.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := trivyadapter.NewEngine(trivyadapter.EngineOptions{Providers: []string{"aws"}})
	if err != nil {
		t.Fatal(err)
	}
	found, err := e.Scan(context.Background(), plan.Root)
	if err != nil {
		t.Fatal(err)
	}
	plan.Locate(found, "plan.json", nil, nil)
	return plan, found
}

func ids(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.RuleID)
	}
	return out
}

// TestHostilePlanValueIsData: a planned string value holding a line "EOF"
// used to close the heredoc Trivy's converter writes it in, and the rest
// of it became HCL: here a bucket name sets ignore_public_acls = true on
// the public access block, hiding AWS-0091. It is a string now.
func TestHostilePlanValueIsData(t *testing.T) {
	after := map[string]any{
		"bucket":                  "b\nEOF\n  ignore_public_acls = true\n  zz = <<EOF\nc",
		"block_public_acls":       true,
		"block_public_policy":     true,
		"restrict_public_buckets": true,
	}
	plan, found := scanPlanData(t, hostilePlan(t, "aws_s3_bucket_public_access_block.pab", "aws_s3_bucket_public_access_block", after, nil))
	if !slices.Contains(ids(found), "AWS-0091") {
		t.Errorf("AWS-0091 (ignore_public_acls not set) not reported: the bucket name was evaluated as HCL; got %v", ids(found))
	}
	if len(plan.Rejected) != 0 {
		t.Errorf("rejected %v", plan.Rejected)
	}
	// The same through a map key that holds an interpolation: a string.
	after = map[string]any{"bucket": "b", "tags": map[string]any{`${jsonencode(range(100000000))}`: "x", "a\u202e": "${x}"}}
	if _, found := scanPlanData(t, hostilePlan(t, "aws_s3_bucket.b", "aws_s3_bucket", after, nil)); !slices.Contains(ids(found), "AWS-0090") {
		t.Errorf("bucket with hostile tag keys: got %v", ids(found))
	}
}

// TestHostilePlanRejectedResource: what cannot be written as data (an
// unquoted attribute name that turns the rest of its line into a comment,
// a trivy:ignore one; a key with a line break) leaves that resource
// unchecked, said at its line in the plan, and the other resources
// checked; nothing panics.
func TestHostilePlanRejectedResource(t *testing.T) {
	address := "aws_s3_bucket.b\u202e\n::error::x"
	for name, after := range map[string]map[string]any{
		"comment key":    {"bucket": "b", "acl = \"private\" # trivy:ignore:*": "x"},
		"line break key": {"bucket": "b", "tags": map[string]any{"a\nb": "c"}},
	} {
		t.Run(name, func(t *testing.T) {
			data := hostilePlan(t, address, "aws_s3_bucket", after, nil)
			plan, found := scanPlanData(t, data)
			if len(plan.Rejected) != 1 || len(found) != 0 {
				t.Fatalf("rejected %v, found %v; want the resource rejected", plan.Rejected, ids(found))
			}
			r := plan.Rejected[0]
			wantLine := 1 + strings.Count(string(data[:strings.Index(string(data), `"resource_changes"`)]), "\n") + 2
			if r.Address != address || r.Line != wantLine || !strings.Contains(r.Message, fmt.Sprintf("%q", address)) {
				t.Errorf("rejected %+v; want the address, line %d and the address quoted in the message", r, wantLine)
			}
		})
	}
}

// TestHostilePlanErrors: a plan that cannot be read is a PlanError with
// the line and column of the problem: wrong types, nesting past the JSON
// decoder's depth, a configuration "reference" that is code or has no dot
// (Trivy's converter panicked on it).
func TestHostilePlanErrors(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001)
	cases := map[string]struct {
		data       string
		line, col  int
		msgPattern string
	}{
		"resources not a list": {`{"format_version":"1.2",` + "\n" + `"planned_values":{"root_module":{"resources":"x"}}}`, 2, 0, "cannot unmarshal string"},
		"changes not a list":   {`{"format_version":"1.2",` + "\n\n" + `"resource_changes":{"a":1}}`, 3, 20, "cannot unmarshal object"},
		"too deep":             {`{"format_version":"1.2",` + "\n" + `"variables":` + deep + `}`, 2, 0, "exceeded max depth"},
		"truncated":            {"{\"format_version\":\"1.2\",\n\"planned_values\":{", 2, 0, "unexpected end"},
		"reference is code": {string(hostilePlan(t, "aws_s3_bucket.b", "aws_s3_bucket", map[string]any{"bucket": "b"},
			map[string]any{"policy": map[string]any{"references": []any{"aws_iam_policy.p.json\n  acl = \"private\"\n  zz = aws_iam_policy.p.json"}}})), 0, 0, "is not a reference"},
		"reference without dot": {string(hostilePlan(t, "aws_s3_bucket.b", "aws_s3_bucket", map[string]any{"bucket": "b"},
			map[string]any{"policy": map[string]any{"references": []any{"p"}}})), 0, 0, `"p" is not a reference`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := trivyadapter.LoadPlan(context.Background(), []byte(c.data), trivyadapter.LoadOptions{})
			pe, ok := errors.AsType[*trivyadapter.PlanError](err)
			if !ok {
				t.Fatalf("got %v, want a PlanError", err)
			}
			if !strings.Contains(pe.Message, c.msgPattern) || pe.Line == 0 || (c.line != 0 && pe.Line != c.line) || (c.col != 0 && pe.Column != c.col) {
				t.Errorf("got %d:%d %q, want line %d col %d and %q", pe.Line, pe.Column, pe.Message, c.line, c.col, c.msgPattern)
			}
		})
	}
}

// TestHostilePlanLargeValues: deeply nested values and long lists are
// converted and checked; nothing overflows the stack.
func TestHostilePlanLargeValues(t *testing.T) {
	// 9000 levels and 200,000 elements take 24 s and 38 s on a loaded
	// two-core machine (Trivy's checks read their input through JSON).
	depth, n := 2000, 20000
	nested := any("x")
	for range depth {
		nested = map[string]any{"k": nested}
	}
	cidrs := make([]any, n)
	for i := range cidrs {
		cidrs[i] = fmt.Sprintf("10.%d.%d.0/24", i/256%256, i%256)
	}
	cidrs[len(cidrs)-1] = "0.0.0.0/0"
	after := map[string]any{
		"name": "web", "description": "web", "tags": map[string]any{"deep": nested},
		"ingress": []any{map[string]any{"description": "ssh", "from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": cidrs}},
	}
	start := time.Now()
	plan, found := scanPlanData(t, hostilePlan(t, "aws_security_group.web", "aws_security_group", after, nil))
	if len(plan.Rejected) != 0 || !slices.Contains(ids(found), "AWS-0107") {
		t.Errorf("rejected %v, found %v; want AWS-0107 (0.0.0.0/0 ingress)", plan.Rejected, ids(found))
	}
	t.Logf("converted and checked in %v", time.Since(start))
}
