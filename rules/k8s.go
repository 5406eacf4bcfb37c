package rules

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// Kubernetes objects reach Terraform in two shapes: the kubernetes
// provider's typed resources (nested blocks, snake_case) and
// kubernetes_manifest, whose `manifest` is one object value in the API's
// camelCase. kobj hides the difference so each check is written once,
// against snake_case names.

// kobj is one object: a nested block, or an object inside a manifest.
type kobj interface {
	attr(name string) *kattr
	child(name string) kobj
	children(name string) []kobj
	// unsure reports that the named field may be set in a way the model
	// cannot show: a dynamic block or an unknown value.
	unsure(name string) bool
	// where is the range to report a missing field at.
	where() finding.Range
	block() *tfmodel.Block
	path() string
	// field is how this shape spells a snake_case field name.
	field(name string) string
	// setFix sets the field at path (nested objects, then the field),
	// creating missing objects where the shape allows it.
	setFix(path []string, v cty.Value, desc string) (*finding.Fix, string)
}

// kattr is one field of a kobj.
type kattr struct {
	Value cty.Value
	Range finding.Range
	Path  string
	Block *tfmodel.Block
	set   func(v cty.Value, desc string) (*finding.Fix, string)
}

func (a *kattr) setFix(v cty.Value, desc string) (*finding.Fix, string) { return a.set(v, desc) }

// blockObj is a nested block of a typed kubernetes resource.
type blockObj struct {
	p *tfmodel.Project
	b *tfmodel.Block
}

func (o blockObj) attr(name string) *kattr {
	a := o.b.Attr(name)
	if a == nil || a.Value.IsKnown() && a.Value.IsNull() { // `x = null` leaves x unset
		return nil
	}
	return &kattr{Value: a.Value, Range: a.ExprRange, Path: a.Path(), Block: o.b,
		set: func(v cty.Value, desc string) (*finding.Fix, string) {
			if !a.IsLiteral() {
				return nil, nonLiteralReason(a)
			}
			return setFix(o.p, o.b, []string{name}, v, desc)
		}}
}

func (o blockObj) child(name string) kobj {
	if c := o.b.Child(name); c != nil {
		return blockObj{o.p, c}
	}
	return nil
}

func (o blockObj) children(name string) []kobj {
	var out []kobj
	for _, c := range o.b.Children(name) {
		out = append(out, blockObj{o.p, c})
	}
	return out
}

func (o blockObj) unsure(name string) bool {
	for _, c := range o.b.Children("dynamic") {
		if c.TypeLabel() == name {
			return true
		}
	}
	if a := o.b.Attr(name); a != nil && !a.Value.IsWhollyKnown() {
		return true
	}
	return false
}

func (o blockObj) where() finding.Range     { return o.b.DefRange }
func (o blockObj) block() *tfmodel.Block    { return o.b }
func (o blockObj) path() string             { return o.b.Path() }
func (o blockObj) field(name string) string { return name }
func (o blockObj) setFix(path []string, v cty.Value, desc string) (*finding.Fix, string) {
	return setFix(o.p, o.b, path, v, desc)
}

// manifestObj is an object inside kubernetes_manifest's manifest value.
type manifestObj struct {
	p    *tfmodel.Project
	res  *tfmodel.Block
	val  cty.Value
	expr hclsyntax.Expression // nil when the value is not written inline here
	file string
	rng  finding.Range // of expr, or of the nearest enclosing expression
	at   string        // attribute path
}

func newManifestObj(p *tfmodel.Project, res *tfmodel.Block, a *tfmodel.Attribute) manifestObj {
	e, _ := a.Expr.(hclsyntax.Expression)
	return manifestObj{p: p, res: res, val: a.Value, expr: e, file: a.ExprRange.File, rng: a.ExprRange, at: a.Path()}
}

// k8sKey turns a provider attribute name into the API's field name.
func k8sKey(name string) string {
	switch name {
	case "host_pid":
		return "hostPID"
	case "host_ipc":
		return "hostIPC"
	}
	parts := strings.Split(name, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// k8sListKey is the API's (plural) name of a repeated block.
func k8sListKey(name string) string {
	switch name {
	case "env":
		return "env"
	}
	return k8sKey(name) + "s"
}

// lookup returns the field's value (possibly unknown) and its inline
// expression, if any.
func (o manifestObj) lookup(key string) (cty.Value, hclsyntax.Expression, bool) {
	v := o.val
	if !v.IsKnown() || v.IsNull() {
		return cty.NilVal, nil, false
	}
	ty := v.Type()
	var fv cty.Value
	switch {
	case ty.IsObjectType():
		if !ty.HasAttribute(key) {
			return cty.NilVal, nil, false
		}
		fv = v.GetAttr(key)
	case ty.IsMapType():
		k := cty.StringVal(key)
		if !v.HasIndex(k).True() {
			return cty.NilVal, nil, false
		}
		fv = v.Index(k)
	default:
		return cty.NilVal, nil, false
	}
	if fv.IsKnown() && fv.IsNull() {
		return cty.NilVal, nil, false
	}
	var sub hclsyntax.Expression
	if oc, ok := o.expr.(*hclsyntax.ObjectConsExpr); ok {
		for _, item := range oc.Items {
			if tfmodel.ObjectKey(item.KeyExpr) == key {
				sub = item.ValueExpr
			}
		}
	}
	return fv, sub, true
}

func (o manifestObj) sub(v cty.Value, e hclsyntax.Expression, at string) manifestObj {
	n := manifestObj{p: o.p, res: o.res, val: v, expr: e, file: o.file, rng: o.rng, at: at}
	if e != nil {
		n.rng = tfmodel.ConvertRange(e.Range(), o.file, o.p.Sources[o.file])
	}
	return n
}

func (o manifestObj) attr(name string) *kattr {
	key := k8sKey(name)
	v, e, ok := o.lookup(key)
	if !ok {
		return nil
	}
	s := o.sub(v, e, o.at+"."+key)
	return &kattr{Value: v, Range: s.rng, Path: s.at, Block: o.res,
		set: func(nv cty.Value, desc string) (*finding.Fix, string) {
			if e == nil {
				return nil, "the manifest value is not written inline here"
			}
			if !exprIsLiteral(e) {
				return nil, "the manifest value is not a literal"
			}
			return replaceExprFix(o.p, s.rng, nv, desc)
		}}
}

func (o manifestObj) child(name string) kobj {
	v, e, ok := o.lookup(k8sKey(name))
	if !ok || !v.IsKnown() || !(v.Type().IsObjectType() || v.Type().IsMapType()) {
		return nil
	}
	return o.sub(v, e, o.at+"."+k8sKey(name))
}

func (o manifestObj) children(name string) []kobj {
	key := k8sListKey(name)
	v, e, ok := o.lookup(key)
	if !ok || !v.IsKnown() || !(v.Type().IsTupleType() || v.Type().IsListType()) {
		return nil
	}
	var exprs []hclsyntax.Expression
	if tc, ok := e.(*hclsyntax.TupleConsExpr); ok && len(tc.Exprs) == v.LengthInt() {
		exprs = tc.Exprs
	}
	var out []kobj
	i := 0
	for it := v.ElementIterator(); it.Next(); i++ {
		_, ev := it.Element()
		var ee hclsyntax.Expression
		if exprs != nil {
			ee = exprs[i]
		} else {
			ee = nil
		}
		c := o.sub(ev, ee, fmt.Sprintf("%s.%s[%d]", o.at, key, i))
		if ee == nil {
			c.rng = o.rng
			if e != nil {
				c.rng = tfmodel.ConvertRange(e.Range(), o.file, o.p.Sources[o.file])
			}
		}
		out = append(out, c)
	}
	return out
}

func (o manifestObj) unsure(name string) bool {
	if !o.val.IsWhollyKnown() && !o.val.IsKnown() {
		return true
	}
	for _, key := range []string{k8sKey(name), k8sListKey(name)} {
		if v, _, ok := o.lookup(key); ok && !v.IsWhollyKnown() {
			return true
		}
	}
	return false
}

func (o manifestObj) where() finding.Range     { return o.rng }
func (o manifestObj) block() *tfmodel.Block    { return o.res }
func (o manifestObj) path() string             { return o.at }
func (o manifestObj) field(name string) string { return k8sKey(name) }

func (o manifestObj) setFix(path []string, v cty.Value, desc string) (*finding.Fix, string) {
	var x kobj = o
	for _, name := range path[:len(path)-1] {
		if x = x.child(name); x == nil {
			return nil, "fields missing from an inline manifest are not added automatically"
		}
	}
	a := x.attr(path[len(path)-1])
	if a == nil {
		return nil, "fields missing from an inline manifest are not added automatically"
	}
	return a.setFix(v, desc)
}

// exprIsLiteral reports whether e is a constant written in place.
func exprIsLiteral(e hclsyntax.Expression) bool {
	return (&tfmodel.Attribute{Expr: e}).IsLiteral()
}

// Workloads.

// podSpecPaths is where each typed workload resource keeps its pod spec.
var podSpecPaths = map[string][]string{
	"kubernetes_pod":                       {"spec"},
	"kubernetes_pod_v1":                    {"spec"},
	"kubernetes_deployment":                {"spec", "template", "spec"},
	"kubernetes_deployment_v1":             {"spec", "template", "spec"},
	"kubernetes_daemonset":                 {"spec", "template", "spec"},
	"kubernetes_daemon_set_v1":             {"spec", "template", "spec"},
	"kubernetes_stateful_set":              {"spec", "template", "spec"},
	"kubernetes_stateful_set_v1":           {"spec", "template", "spec"},
	"kubernetes_replication_controller":    {"spec", "template", "spec"},
	"kubernetes_replication_controller_v1": {"spec", "template", "spec"},
	"kubernetes_job":                       {"spec", "template", "spec"},
	"kubernetes_job_v1":                    {"spec", "template", "spec"},
	"kubernetes_cron_job":                  {"spec", "job_template", "spec", "template", "spec"},
	"kubernetes_cron_job_v1":               {"spec", "job_template", "spec", "template", "spec"},
}

// manifestPodSpecPaths is the same for kubernetes_manifest, by kind.
var manifestPodSpecPaths = map[string][]string{
	"Pod":                   {"spec"},
	"Deployment":            {"spec", "template", "spec"},
	"DaemonSet":             {"spec", "template", "spec"},
	"StatefulSet":           {"spec", "template", "spec"},
	"ReplicaSet":            {"spec", "template", "spec"},
	"ReplicationController": {"spec", "template", "spec"},
	"Job":                   {"spec", "template", "spec"},
	"CronJob":               {"spec", "job_template", "spec", "template", "spec"},
}

// pod is one pod template.
type pod struct {
	res  *tfmodel.Block
	spec kobj
}

// container is one container or init container of a pod.
type container struct {
	kobj
	label string // for messages: container "app", init container "setup"
}

// workloads returns every pod template in the project.
func workloads(p *tfmodel.Project) []pod {
	var out []pod
	for _, res := range p.Resources() {
		if path, ok := podSpecPaths[res.TypeLabel()]; ok {
			if spec := descend(blockObj{p, res}, path); spec != nil {
				out = append(out, pod{res, spec})
			}
			continue
		}
		if m, kind := manifest(p, res); m != nil {
			if path, ok := manifestPodSpecPaths[kind]; ok {
				if spec := descend(m, path); spec != nil {
					out = append(out, pod{res, spec})
				}
			}
		}
	}
	return out
}

// manifest returns a kubernetes_manifest's object and its kind.
func manifest(p *tfmodel.Project, res *tfmodel.Block) (kobj, string) {
	if res.TypeLabel() != "kubernetes_manifest" {
		return nil, ""
	}
	a := res.Attr("manifest")
	if a == nil || !a.Value.IsKnown() || a.Value.IsNull() {
		return nil, ""
	}
	m := newManifestObj(p, res, a)
	kind := m.attr("kind")
	if kind == nil || !knownString(kind.Value) {
		return nil, ""
	}
	return m, kind.Value.AsString()
}

func descend(o kobj, path []string) kobj {
	for _, name := range path {
		if o = o.child(name); o == nil {
			return nil
		}
	}
	return o
}

// containers returns the pod's containers and init containers.
func (pd pod) containers() []container {
	var out []container
	for _, kind := range []struct{ field, label string }{{"container", "container"}, {"init_container", "init container"}, {"ephemeral_container", "ephemeral container"}} {
		for i, c := range pd.spec.children(kind.field) {
			name := fmt.Sprintf("#%d", i+1)
			if a := c.attr("name"); a != nil && knownString(a.Value) {
				name = fmt.Sprintf("%q", a.Value.AsString())
			}
			out = append(out, container{c, kind.label + " " + name})
		}
	}
	return out
}

// resName is how messages name a resource: kubernetes_deployment_v1.web.
func resName(b *tfmodel.Block) string {
	return strings.Join(b.Labels, ".")
}

// Reporting helpers.

func reportK8sAttr(p *Pass, a *kattr, msg string, fix *finding.Fix, noFix string) {
	p.Report(Issue{Block: a.Block, Range: a.Range, AttributePath: a.Path, Message: msg, Fix: fix, NoFixReason: noFix})
}

// reportK8sMissing reports that the field at path below base is missing,
// at the deepest object on that path that exists (at).
func reportK8sMissing(p *Pass, base, at kobj, path []string, msg string, fix *finding.Fix, noFix string) {
	parts := []string{}
	if bp := base.path(); bp != "" {
		parts = append(parts, bp)
	}
	for _, f := range path {
		parts = append(parts, base.field(f))
	}
	p.Report(Issue{Block: at.block(), Range: at.where(), AttributePath: strings.Join(parts, "."), Message: msg, Fix: fix, NoFixReason: noFix})
}

// deepest returns the last existing object along path below o (o itself
// when the first is missing).
func deepest(o kobj, path ...string) kobj {
	for _, name := range path {
		c := o.child(name)
		if c == nil {
			break
		}
		o = c
	}
	return o
}

// Value helpers. They treat unknown and null as "not this value", so
// callers check knownness first where it matters.

func isTrue(v cty.Value) bool {
	return v.IsKnown() && !v.IsNull() && v.Type() == cty.Bool && v.True()
}

func isFalse(v cty.Value) bool {
	return v.IsKnown() && !v.IsNull() && v.Type() == cty.Bool && v.False()
}

// toInt reads a number, or a string holding one (the provider takes some
// IDs as strings).
func toInt(v cty.Value) (int64, bool) {
	if !v.IsKnown() || v.IsNull() {
		return 0, false
	}
	switch v.Type() {
	case cty.Number:
		bf := v.AsBigFloat()
		if i, acc := bf.Int64(); acc == big.Exact {
			return i, true
		}
	case cty.String:
		if i, err := strconv.ParseInt(strings.TrimSpace(v.AsString()), 10, 64); err == nil {
			return i, true
		}
	}
	return 0, false
}

// stringList returns the strings of a known list, set or tuple; ok is false
// when the value or an element is unknown.
func stringList(v cty.Value) ([]string, bool) {
	if !v.IsWhollyKnown() || v.IsNull() {
		return nil, false
	}
	ty := v.Type()
	if !(ty.IsListType() || ty.IsSetType() || ty.IsTupleType()) {
		return nil, false
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || e.Type() != cty.String {
			continue
		}
		out = append(out, e.AsString())
	}
	return out, true
}

// firstAttr returns the first non-nil field among objects (container
// settings override pod settings).
func firstAttr(name string, objs ...kobj) *kattr {
	for _, o := range objs {
		if o == nil {
			continue
		}
		if a := o.attr(name); a != nil {
			return a
		}
	}
	return nil
}

// child is o.child(name) that tolerates a nil o.
func child(o kobj, name string) kobj {
	if o == nil {
		return nil
	}
	return o.child(name)
}

// KSVCounterparts returns the Trivy Kubernetes checks (KSV) that report
// the problem a finding of a built-in TFR-K8S check reports, or nil when
// none does. When Trivy's engine reports one of them on the same resource,
// the scanner folds the built-in finding into it: one finding per problem,
// under Trivy's ID, with the built-in ID as an alias and its fix and
// attribute location kept. The built-in finding stands alone when Trivy's
// engine is off or no KSV check fired (require_image_digest, for one, has
// no KSV counterpart).
func KSVCounterparts(f finding.Finding) []string {
	msg := strings.ToLower(strings.ReplaceAll(f.Message+" "+f.AttributePath, "_", ""))
	switch f.RuleID {
	case PrivilegedContainer.ID:
		return []string{"KSV-0017"}
	case "TFR-K8S-002":
		return []string{"KSV-0001"}
	case "TFR-K8S-003":
		return []string{"KSV-0012"}
	case "TFR-K8S-004":
		var out []string
		for field, id := range map[string]string{"hostnetwork": "KSV-0009", "hostpid": "KSV-0010", "hostipc": "KSV-0008"} {
			if strings.Contains(msg, field) {
				out = append(out, id)
			}
		}
		return out
	case "TFR-K8S-005":
		return []string{"KSV-0023"}
	case "TFR-K8S-006":
		return []string{"KSV-0022"}
	case "TFR-K8S-007":
		return []string{"KSV-0003"}
	case "TFR-K8S-008":
		return []string{"KSV-0014"}
	case "TFR-K8S-009":
		var out []string
		if strings.Contains(msg, "cpu") {
			out = append(out, "KSV-0011")
		}
		if strings.Contains(msg, "memory") {
			out = append(out, "KSV-0018")
		}
		return out
	case "TFR-K8S-010":
		if strings.Contains(msg, "digest") {
			return nil
		}
		return []string{"KSV-0013"}
	case "TFR-K8S-011":
		return []string{"KSV-0036"}
	case "TFR-K8S-012":
		return []string{"KSV-0024"}
	case "TFR-K8S-013":
		// Unconfined (KSV-0104) or not set (KSV-0030).
		return []string{"KSV-0104", "KSV-0030"}
	case "TFR-K8S-014":
		return []string{"KSV-0111"}
	case "TFR-K8S-015":
		switch {
		case strings.Contains(msg, `verb "*"`):
			return []string{"KSV-0045", "KSV-0044"}
		case strings.Contains(msg, `resource "*"`):
			return []string{"KSV-0046", "KSV-0044"}
		}
		return []string{"KSV-0044"}
	}
	return nil
}
