package trivyadapter

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	checks "github.com/aquasecurity/trivy-checks"
	"github.com/aquasecurity/trivy/pkg/iac/ignore"
	"github.com/aquasecurity/trivy/pkg/iac/rego"
	"github.com/aquasecurity/trivy/pkg/iac/scan"
	"github.com/aquasecurity/trivy/pkg/iac/types"
	"gopkg.in/yaml.v3"

	"github.com/tfreview/tfreview/finding"
)

// Pod Security Standards levels for KubernetesOptions.PSS.
const (
	PSSBaseline   = "baseline"
	PSSRestricted = "restricted"
)

// KubernetesOptions configure Trivy's Kubernetes checks.
type KubernetesOptions struct {
	// ChecksBundle, when set, is a local checks bundle whose checks
	// replace the embedded ones (as EngineOptions.ChecksBundle).
	ChecksBundle string
	// PSS is the Pod Security Standards level pod checks run at:
	// restricted (the default, every KSV check) or baseline (of the pod
	// checks, only those of Trivy's k8s-pss-baseline compliance spec).
	PSS string
}

// KubernetesEngine runs Trivy's Kubernetes (KSV) checks over manifests.
type KubernetesEngine struct {
	rs       *rego.Scanner
	baseline map[string]bool // nil: every check applies
}

// NewKubernetesEngine compiles the Kubernetes checks.
func NewKubernetesEngine(opts KubernetesOptions) (*KubernetesEngine, error) {
	patchTrivy()
	var e KubernetesEngine
	switch opts.PSS {
	case "", PSSRestricted:
	case PSSBaseline:
		ids, err := pssBaselineChecks()
		if err != nil {
			return nil, err
		}
		e.baseline = ids
	default:
		return nil, fmt.Errorf("unknown Pod Security Standards level %q (want baseline, restricted)", opts.PSS)
	}
	if opts.ChecksBundle != "" {
		bundle, err := loadDir(opts.ChecksBundle)
		if err != nil {
			return nil, err
		}
		if err := checkBundle(opts.ChecksBundle, bundle); err != nil {
			return nil, err
		}
		policyFS := os.DirFS(opts.ChecksBundle)
		e.rs = rego.NewScanner(rego.WithEmbeddedLibraries(true), rego.WithEmbeddedPolicies(false),
			rego.WithPolicyFilesystem(policyFS), rego.WithPolicyDirs("."))
		if err := e.rs.LoadPolicies(policyFS); err != nil {
			return nil, fmt.Errorf("load Kubernetes checks: %w", err)
		}
		return &e, nil
	}
	// The embedded Kubernetes checks only, under the paths Trivy's own
	// loader gives them.
	e.rs = rego.NewScanner(rego.WithEmbeddedLibraries(true), rego.WithEmbeddedPolicies(false),
		rego.WithPolicyFilesystem(checks.EmbeddedPolicyFileSystem), rego.WithPolicyDirs("checks/kubernetes"))
	if err := e.rs.LoadPolicies(checks.EmbeddedPolicyFileSystem); err != nil {
		return nil, fmt.Errorf("load Kubernetes checks: %w", err)
	}
	return &e, nil
}

// pssBaselineChecks are the check IDs of Trivy's Pod Security Standards
// baseline compliance spec, the same list `trivy k8s --compliance
// k8s-pss-baseline-0.1` uses.
var pssBaselineChecks = sync.OnceValues(func() (map[string]bool, error) {
	return complianceChecks("k8s-pss-baseline-0.1")
})

// podKinds are the kinds whose checks Pod Security Standards select.
var podKinds = []string{"Pod", "ReplicaSet", "ReplicationController", "Deployment", "DeploymentConfig", "StatefulSet", "DaemonSet", "CronJob", "Job"}

// KubernetesObject is one Kubernetes object to check.
type KubernetesObject struct {
	// File is where findings without a location of their own are put.
	File string
	// Content is the object as Trivy's checks read it: maps carry their
	// source lines under "__defsec_metadata".
	Content map[string]any
	// Offset is added to every line of Content (a document's first line
	// in a multi-document file, less one).
	Offset int
}

// Kind is the object's kind ("" when it has none).
func (o KubernetesObject) Kind() string {
	k, _ := o.Content["kind"].(string)
	return k
}

// YAMLParseError is a YAML file that does not parse.
type YAMLParseError struct {
	File    string
	Line    int
	Message string
}

func (e *YAMLParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message) }

var (
	documentSeparator = regexp.MustCompile(`(?m:^---\r?\n)`)
	yamlErrorLine     = regexp.MustCompile(`line (\d+)`)
)

// ParseKubernetesYAML splits a YAML file into documents as Trivy's
// Kubernetes parser does and returns those that are Kubernetes objects
// (a map with apiVersion and kind); others are skipped. A document that
// does not parse fails the file, with its line in the file.
//
// Unlike Trivy v0.74.0, each document's offset counts the "---" lines
// before it: Trivy's parser leaves them out (except a leading one), so
// its findings in the second and later documents of a file are one line
// early per separator (worth sending upstream: parser.Parse should add
// one line per separator it splits on).
func ParseKubernetesYAML(file string, src []byte) ([]KubernetesObject, error) {
	var out []KubernetesObject
	offset := 0
	for _, part := range documentSeparator.Split(string(src), -1) {
		m, err := parseDocument(file, part)
		if err != nil {
			line := 1
			if sub := yamlErrorLine.FindStringSubmatch(err.Error()); sub != nil {
				line, _ = strconv.Atoi(sub[1])
			}
			msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "unmarshal yaml: "), "yaml: ")
			return nil, &YAMLParseError{File: file, Line: offset + line, Message: msg}
		}
		if content := m; content != nil {
			_, hasAPI := content["apiVersion"].(string)
			_, hasKind := content["kind"].(string)
			if hasAPI && hasKind {
				if md, ok := content["__defsec_metadata"].(map[string]any); ok {
					md["offset"] = offset
				}
				out = append(out, KubernetesObject{File: file, Content: content, Offset: offset})
			}
		}
		// The part's lines and the separator line after it.
		offset += strings.Count(part, "\n") + 1
	}
	return out, nil
}

// parseDocument decodes one document into the value Trivy's Kubernetes
// parser gives its checks (Trivy's parser package needs the jsonv2
// experiment to build, so its conversion is mirrored here: maps carry
// their lines under __defsec_metadata; a map's first line is its key's).
// A document with no content is nil.
func parseDocument(file, part string) (out map[string]any, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("yaml decoder panicked: %v", v)
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(part), &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil
	}
	v, _, err := yamlValue(file, doc.Content[0], doc.Content[0].Line)
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	return m, nil
}

// yamlValue converts one node, as Trivy's ManifestNode.ToRego does, and
// returns its last line.
func yamlValue(file string, n *yaml.Node, start int) (any, int, error) {
	switch n.Tag {
	case "!!str", "!string":
		return n.Value, n.Line, nil
	case "!!int":
		v, err := strconv.Atoi(n.Value)
		if err != nil {
			return nil, 0, fmt.Errorf("line %d: failed to parse int: %w", n.Line, err)
		}
		return v, n.Line, nil
	case "!!float":
		v, err := strconv.ParseFloat(n.Value, 64)
		if err != nil {
			return nil, 0, fmt.Errorf("line %d: failed to parse float: %w", n.Line, err)
		}
		return v, n.Line, nil
	case "!!bool":
		v, err := strconv.ParseBool(n.Value)
		if err != nil {
			return nil, 0, fmt.Errorf("line %d: failed to parse bool: %w", n.Line, err)
		}
		return v, n.Line, nil
	case "!!seq":
		out := []any{}
		last := n.Line
		for _, c := range n.Content {
			v, end, err := yamlValue(file, c, c.Line)
			if err != nil {
				return nil, 0, err
			}
			last = max(last, end)
			out = append(out, v)
		}
		return out, last, nil
	case "!!map":
		if len(n.Content)%2 != 0 {
			return nil, 0, fmt.Errorf("line %d: invalid map node: uneven number of children", n.Line)
		}
		md := map[string]any{"startline": start, "filepath": file, "offset": 0}
		out := map[string]any{"__defsec_metadata": md}
		last := n.Line
		for i := 0; i < len(n.Content); i += 2 {
			k, c := n.Content[i], n.Content[i+1]
			v, end, err := yamlValue(file, c, k.Line)
			if err != nil {
				return nil, 0, err
			}
			last = max(last, end)
			out[k.Value] = v
		}
		md["endline"] = last
		return out, last, nil
	}
	// Nulls, timestamps, binary and aliases: no value the checks read.
	return nil, n.Line, nil
}

// Scan runs the checks over one object and returns its failed results as
// findings. src, when not nil, is the object's YAML file: Trivy's inline
// ignore comments in it (# trivy:ignore:KSV-0017) apply, and the findings
// they cover come back marked Suppressed.
func (e *KubernetesEngine) Scan(ctx context.Context, obj KubernetesObject, src []byte) ([]finding.Finding, error) {
	content := obj.Content
	if md, ok := content["__defsec_metadata"].(map[string]any); ok {
		// Trivy reads the offset from the top-level map only.
		md["offset"] = obj.Offset
	}
	results, err := e.rs.ScanInput(ctx, types.SourceKubernetes, rego.Input{Path: obj.File, Contents: content})
	if err != nil {
		return nil, fmt.Errorf("checks of Kubernetes objects on %s: %w", obj.File, err)
	}
	if src != nil {
		results.Ignore(ignore.Parse(string(src), obj.File, ""), nil)
	}
	pod := slices.Contains(podKinds, obj.Kind())
	var out []finding.Finding
	for _, r := range results {
		if r.Status() != scan.StatusFailed && r.Status() != scan.StatusIgnored {
			continue
		}
		if pod && e.baseline != nil && !e.baseline[r.Rule().ID] && strings.HasPrefix(r.Rule().ID, "KSV") {
			continue
		}
		f := toFinding(r)
		f.Resource, f.AttributePath, f.CallSites = "", "", nil
		if f.Range.File == "" {
			f.Range.File = obj.File
		}
		if r.Status() == scan.StatusIgnored {
			// Kept, marked, as HCL findings under an ignore comment are:
			// --show-ignored reports them.
			f.Suppressed = &finding.Suppression{Kind: "trivy", Range: finding.Range{File: obj.File}}
		}
		out = append(out, f)
	}
	return out, nil
}
