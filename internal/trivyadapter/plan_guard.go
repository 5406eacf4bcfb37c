package trivyadapter

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"unicode"

	planparser "github.com/aquasecurity/trivy/pkg/iac/scanners/terraformplan/tfjson/parser"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// PlanError is a plan file that cannot be read, with the position of the
// problem in it where the JSON decoder knows it.
type PlanError struct {
	Line, Column int // 0 when unknown
	Message      string
}

func (e *PlanError) Error() string {
	if e.Line == 0 {
		return e.Message
	}
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Message)
}

// planDecodeError gives a JSON decoding error of data its line and column.
func planDecodeError(data []byte, err error) *PlanError {
	offset := int64(-1)
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		offset = se.Offset
	} else if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		offset = te.Offset
	}
	pe := &PlanError{Message: "read plan JSON: " + err.Error()}
	if offset >= 0 && offset <= int64(len(data)) {
		// The decoder's offset is past the byte it stopped at.
		before := data[:max(offset-1, 0)]
		pe.Line = 1 + strings.Count(string(before), "\n")
		pe.Column = 1 + len(before) - (strings.LastIndexByte(string(before), '\n') + 1)
	}
	return pe
}

// RejectedResource is a planned resource instance left unchecked because
// its values could not be turned into Trivy's input safely.
type RejectedResource struct {
	Address string
	Line    int // of its change in the plan file, or 1
	Message string
}

// quotePlanValues prepares a resource's planned values for Trivy's plan
// converter, which writes them into HCL as text without escaping them
// all (Trivy v0.74.0, worth sending upstream): a string holding a line
// "EOF" closes the heredoc it is written in and the rest of the string
// becomes HCL, so a value a pull request sets (a tag, a policy) could add
// attributes, blocks or function calls to what the checks see; a map key
// holding "${" is interpolated; a null in a list is written "<nil>".
// Here every string becomes an HCL string literal written by hclwrite,
// keys have their template sequences escaped, and list nulls are null; a
// key holding a line break or a control character cannot be written
// safely and is refused.
func quotePlanValues(v any) (any, error) {
	switch t := v.(type) {
	case string:
		return planparser.PlanReference{Value: string(hclwrite.TokensForValue(cty.StringVal(t)).Bytes())}, nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			if strings.ContainsFunc(k, unicode.IsControl) {
				return nil, fmt.Errorf("key %q holds a control character", k)
			}
			q, err := quotePlanValues(e)
			if err != nil {
				return nil, err
			}
			out[strings.NewReplacer("${", "$${", "%{", "%%{").Replace(k)] = q
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			if e == nil {
				out[i] = planparser.PlanReference{Value: "null"}
				continue
			}
			q, err := quotePlanValues(e)
			if err != nil {
				return nil, err
			}
			out[i] = q
		}
		return out, nil
	}
	return v, nil
}

// renderPlanResource runs Trivy's converter on a plan of one resource
// instance; a panic in it (a configuration reference with no dot) is an
// error.
func renderPlanResource(pf planparser.PlanFile) (src []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			src, err = nil, fmt.Errorf("the plan converter panicked: %v", v)
		}
	}()
	gen, err := pf.ToFS()
	if err != nil {
		return nil, err
	}
	return fs.ReadFile(gen, planparser.TerraformMainFile)
}

// checkGenerated verifies that the converter's output for one resource
// instance of type typ is that resource and only data: one block with the
// resource's type as its first label, literal values, nested blocks and
// plain references, no comments (an ignore comment), no function calls,
// templates or operators. Anything else came from the plan's text (a
// configuration reference, a key) and is refused rather than evaluated.
func checkGenerated(src []byte, typ string) error {
	tokens, _ := hclsyntax.LexConfig(src, "plan.tf", hcl.InitialPos)
	for _, t := range tokens {
		if t.Type == hclsyntax.TokenComment {
			return fmt.Errorf("a value becomes a comment in the generated HCL (line %d)", t.Range.Start.Line)
		}
	}
	f, diags := hclsyntax.ParseConfig(src, "plan.tf", hcl.InitialPos)
	if diags.HasErrors() {
		return fmt.Errorf("the generated HCL does not parse: %s", diags[0].Error())
	}
	body := f.Body.(*hclsyntax.Body)
	if len(body.Attributes) != 0 || len(body.Blocks) != 1 {
		return fmt.Errorf("the generated HCL holds %d blocks and %d attributes, not one resource", len(body.Blocks), len(body.Attributes))
	}
	b := body.Blocks[0]
	if (b.Type != "resource" && b.Type != "data") || len(b.Labels) != 2 || b.Labels[0] != typ {
		return fmt.Errorf("the generated HCL declares %s %q, not a %s", b.Type, b.Labels, typ)
	}
	return checkDataBody(b.Body)
}

func checkDataBody(body *hclsyntax.Body) error {
	for name, a := range body.Attributes {
		if !isData(a.Expr) {
			return fmt.Errorf("attribute %s of the generated HCL is an expression (line %d), not a value", name, a.SrcRange.Start.Line)
		}
	}
	for _, b := range body.Blocks {
		if len(b.Labels) != 0 {
			return fmt.Errorf("nested block %s of the generated HCL has labels (line %d)", b.Type, b.TypeRange.Start.Line)
		}
		if err := checkDataBody(b.Body); err != nil {
			return err
		}
	}
	return nil
}

// isData reports whether e is a literal (a string without interpolation,
// a number, bool or null, negative numbers included), a list or object
// of them, or a plain reference.
func isData(e hclsyntax.Expression) bool {
	switch t := e.(type) {
	case *hclsyntax.LiteralValueExpr, *hclsyntax.ScopeTraversalExpr:
		return true
	case *hclsyntax.TemplateExpr:
		for _, p := range t.Parts {
			if _, ok := p.(*hclsyntax.LiteralValueExpr); !ok {
				return false
			}
		}
		return true
	case *hclsyntax.UnaryOpExpr:
		_, ok := t.Val.(*hclsyntax.LiteralValueExpr)
		return ok && t.Op == hclsyntax.OpNegate
	case *hclsyntax.TupleConsExpr:
		for _, x := range t.Exprs {
			if !isData(x) {
				return false
			}
		}
		return true
	case *hclsyntax.ObjectConsExpr:
		for _, item := range t.Items {
			k, ok := item.KeyExpr.(*hclsyntax.ObjectConsKeyExpr)
			if !ok || !isData(k.Wrapped) || !isData(item.ValueExpr) {
				return false
			}
		}
		return true
	}
	return false
}

// checkReferences refuses a configuration whose expression references
// are not plain references: Trivy's converter writes the first one of an
// attribute into the HCL as it is, so text there is evaluated (and one
// without a dot makes it panic). Terraform writes only traversals such as
// aws_s3_bucket.b.id or module.m["k"].out.
func checkReferences(m planparser.ConfigurationModule, data []byte) *PlanError {
	var walk func(v any, where string) *PlanError
	walk = func(v any, where string) *PlanError {
		switch t := v.(type) {
		case map[string]any:
			if refs, ok := t["references"].([]any); ok {
				for _, r := range refs {
					s, _ := r.(string)
					tr, diags := hclsyntax.ParseTraversalAbs([]byte(s), "", hcl.InitialPos)
					if diags.HasErrors() || len(tr) < 2 {
						pe := &PlanError{Message: fmt.Sprintf("read plan JSON: configuration of %s: %q is not a reference", where, s)}
						if q, err := json.Marshal(s); err == nil {
							if i := strings.Index(string(data), string(q)); i >= 0 {
								pe.Line = 1 + strings.Count(string(data[:i]), "\n")
								pe.Column = 1 + i - (strings.LastIndexByte(string(data[:i]), '\n') + 1)
							}
						}
						return pe
					}
				}
			}
			for _, e := range t {
				if err := walk(e, where); err != nil {
					return err
				}
			}
		case []any:
			for _, e := range t {
				if err := walk(e, where); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, r := range m.Resources {
		if err := walk(map[string]any(r.Expressions), r.Address); err != nil {
			return err
		}
	}
	for _, c := range m.ModuleCalls {
		if err := checkReferences(c.Module, data); err != nil {
			return err
		}
	}
	return nil
}
