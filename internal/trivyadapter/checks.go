package trivyadapter

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/aquasecurity/trivy/pkg/iac/rego"

	"github.com/tfreview/tfreview/finding"
)

type regoModule = ast.Module

// embeddedChecksJSON is the metadata of the embedded checks that run on
// Terraform, as listModules derives it from the pinned trivy-checks. Parsing
// the checks' annotations to list them took 0.2 s of CPU in every scan;
// the listing only changes with the Trivy version, so it is generated once:
//
//	go test ./internal/trivyadapter -run TestEmbeddedChecksListing -update
//
// and the test fails when it no longer matches the checks.
//
//go:embed embedded_checks.json
var embeddedChecksJSON []byte

var embeddedChecks = sync.OnceValues(func() ([]finding.RuleInfo, error) {
	return decodeChecks(embeddedChecksJSON)
})

func decodeChecks(data []byte) ([]finding.RuleInfo, error) {
	var out []finding.RuleInfo
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("embedded Trivy checks listing: %w", err)
	}
	return out, nil
}

func loadDir(dir string) (map[string]*ast.Module, error) {
	m, err := rego.LoadPoliciesFromDirs(os.DirFS(dir), ".")
	if err != nil {
		return nil, fmt.Errorf("load checks bundle %s: %w", dir, err)
	}
	return m, nil
}

// customChecks are the user's own checks (--custom-checks), parsed and
// compiled under restrictedCapabilities, with their sources for Trivy.
type customChecks struct {
	modules    map[string]*ast.Module
	sources    [][]byte
	namespaces []string // top-level packages, which Trivy must be told to evaluate
}

func (c *customChecks) readers() []io.Reader {
	out := make([]io.Reader, len(c.sources))
	for i, src := range c.sources {
		out[i] = bytes.NewReader(src)
	}
	return out
}

// maxCustomCheckSize bounds each custom check file read; a check is a few
// kilobytes.
const maxCustomCheckSize = 1 << 20

// loadCustom reads the .rego files below dir through an os.Root, so a
// symbolic link cannot lead out of it, and checks them as a bundle is
// checked: a denied built-in fails the load, naming it.
func loadCustom(dir string) (*customChecks, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("custom checks %s: %w", dir, err)
	}
	defer root.Close()
	fsys := root.FS()
	c := &customChecks{}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != "." && rego.IsDotFile(d.Name()) {
			return fs.SkipDir
		}
		if !d.Type().IsRegular() || !rego.IsRegoFile(d.Name()) || rego.IsDotFile(d.Name()) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Size() > maxCustomCheckSize {
			return fmt.Errorf("%s: larger than %d bytes", p, maxCustomCheckSize)
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		c.sources = append(c.sources, src)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("custom checks %s: %w", dir, err)
	}
	if len(c.sources) == 0 {
		return nil, fmt.Errorf("custom checks %s: no .rego files", dir)
	}
	if c.modules, err = rego.LoadPoliciesFromDirs(fsys, "."); err != nil {
		return nil, fmt.Errorf("custom checks %s: %w", dir, err)
	}
	if err := checkBundle(dir, c.modules); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, m := range c.modules {
		ns := strings.TrimPrefix(m.Package.Path.String(), "data.")
		ns, _, _ = strings.Cut(ns, ".")
		if !seen[ns] {
			seen[ns] = true
			c.namespaces = append(c.namespaces, ns)
		}
	}
	return c, nil
}

// deniedBuiltins are the OPA built-ins that reach outside the evaluation:
// the network, or (opa.runtime) the process environment, which Trivy hands
// to every query, GITHUB_TOKEN included. tfreview's embedded checks use
// none of them; checks from anywhere else may not. print and trace stay
// allowed: tfreview installs no print hook and no tracer, so they go
// nowhere (the embedded lib/test uses both).
var deniedBuiltins = map[string]string{
	"http.send":          "sends HTTP requests",
	"net.lookup_ip_addr": "performs DNS lookups",
	"opa.runtime":        "exposes the environment, tokens included",
}

// restrictedCapabilities are OPA's capabilities for this version (those
// Trivy compiles with, its own built-ins included) without deniedBuiltins.
func restrictedCapabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	kept := caps.Builtins[:0:0]
	for _, b := range caps.Builtins {
		if _, denied := deniedBuiltins[b.Name]; !denied {
			kept = append(kept, b)
		}
	}
	caps.Builtins = kept
	// No remote JSON schemas either.
	caps.AllowNet = []string{}
	return caps
}

// checkBundle compiles the bundle's modules, with the embedded libraries
// Trivy adds to them, under restrictedCapabilities. Trivy itself compiles
// with every capability and drops modules that fail, so the bundle must
// compile cleanly here before Trivy sees it: a call to a denied built-in is
// an error naming it, and so is any other compile error (a module Trivy
// would have dropped could otherwise hide one).
func checkBundle(dir string, bundle map[string]*ast.Module) error {
	modules, err := rego.LoadEmbeddedLibraries()
	if err != nil {
		return fmt.Errorf("load embedded Trivy libraries: %w", err)
	}
	maps.Copy(modules, bundle)
	compiler := ast.NewCompiler().WithCapabilities(restrictedCapabilities())
	compiler.Compile(modules)
	if !compiler.Failed() {
		return nil
	}
	var msgs []string
	for _, e := range compiler.Errors {
		where := ""
		if e.Location != nil {
			where = fmt.Sprintf("%s:%d: ", e.Location.File, e.Location.Row)
		}
		if name, ok := strings.CutPrefix(e.Message, "undefined function "); ok {
			if why, denied := deniedBuiltins[name]; denied {
				msgs = append(msgs, fmt.Sprintf("%scalls %s, which checks not shipped with tfreview may not use (it %s)", where, name, why))
				continue
			}
		}
		msgs = append(msgs, where+e.Message)
	}
	return fmt.Errorf("checks bundle %s: %s", dir, strings.Join(msgs, "; "))
}
