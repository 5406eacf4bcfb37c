// Package config reads .tfreview.yaml. Unknown keys are an error naming the
// key, so a typo never silently disables a setting.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tfreview/tfreview/internal/rootfile"
	"github.com/tfreview/tfreview/rules"
)

// FileName is looked for in the scanned root when --config is not given.
const FileName = ".tfreview.yaml"

// MaxFileSize bounds the config file read: a real one is a few hundred
// bytes, and the tree it comes from is untrusted.
const MaxFileSize = 1 << 20

// Config is the file's content. Flags override it.
type Config struct {
	Severity       string   `yaml:"severity"`
	FailOn         string   `yaml:"fail_on"`
	Engines        []string `yaml:"engines"`
	DisabledChecks []string `yaml:"disabled_checks"`
	SkipDirs       []string `yaml:"skip_dirs"`
	SkipFiles      []string `yaml:"skip_files"`
	VarFiles       []string `yaml:"var_files"`
	// CustomChecks is a directory of Rego checks in Trivy's format, run in
	// addition to the embedded ones (--custom-checks).
	CustomChecks        string       `yaml:"custom_checks"`
	RequireIgnoreReason bool         `yaml:"require_ignore_reason"`
	Rules               rules.Config `yaml:"rules"`
	Owners              []OwnerRule  `yaml:"owners"`
	// AllowNewIgnores lets an ignore comment that a change adds hide a
	// finding the same change introduces, under --new-since. Off by
	// default: read from the base revision, so a pull request cannot turn
	// it on for itself.
	AllowNewIgnores bool `yaml:"allow_new_ignores"`
	// Track configures `tfreview track`; lifecycle.ParseSettings decodes
	// it (as strictly), so this package need not know its shape.
	Track yaml.Node `yaml:"track"`
	// K8sPSS is the Pod Security Standards level of the Kubernetes pod
	// checks: restricted (default) or baseline (--k8s-pss).
	K8sPSS string `yaml:"k8s_pss"`
}

// OwnerRule maps findings to the people who must act on them in PR
// summaries.
type OwnerRule struct {
	Severity string   `yaml:"severity"` // at or above (HIGH), or a range (HIGH..HIGH); empty = any
	Paths    []string `yaml:"paths"`    // globs; empty = any
	Mention  []string `yaml:"mention"`  // @org/team or @user
	Labels   []string `yaml:"labels"`
}

// Load reads and validates the file at path. It must be a regular file
// (not a symbolic link, device or FIFO) of at most MaxFileSize bytes, and
// errors name the file and the line, never quote its text.
func Load(path string) (*Config, error) {
	data, err := rootfile.Read(path, MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Parse decodes YAML strictly.
func Parse(data []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, contentFree(err)
	}
	return &c, nil
}

// ConfineTo checks that every path the config names for reading (var_files)
// resolves, symbolic links followed, to a regular file inside root: the
// config comes from the scanned tree, and a var file's values are printed
// in findings. Paths stay relative to the current directory, as before.
func (c *Config) ConfineTo(root string) error {
	for i, p := range c.VarFiles {
		if err := rootfile.CheckInside(root, p); err != nil {
			return fmt.Errorf("var_files[%d] %q: %w (paths in the config must stay inside the directory holding it; give the file with --var-file, or pass --allow-outside-root)", i, p, err)
		}
	}
	if c.CustomChecks != "" {
		// Checks named by a config from the scanned tree come from that
		// tree, like var_files.
		absRoot, err := filepath.Abs(root)
		if err != nil {
			return err
		}
		abs, err := filepath.Abs(c.CustomChecks)
		if err != nil {
			return err
		}
		if rel, err := filepath.Rel(absRoot, abs); err != nil || !filepath.IsLocal(rel) {
			return fmt.Errorf("custom_checks %q: outside %s (paths in the config must stay inside the directory holding it; give it with --custom-checks, or pass --allow-outside-root)", c.CustomChecks, absRoot)
		}
	}
	return nil
}

var (
	yamlLine     = regexp.MustCompile(`line (\d+)`)
	unknownField = regexp.MustCompile(`^line (\d+): field ([a-z_]{1,40}) not found`)
)

// contentFree rewrites a YAML error so that it names lines only: yaml.v3
// quotes the offending text ("cannot unmarshal !!str `root:x:0:0...`"),
// which must not reach a CI log when the file is not what it claims to be.
func contentFree(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, 0, len(te.Errors))
		for _, e := range te.Errors {
			if m := unknownField.FindStringSubmatch(e); m != nil {
				msgs = append(msgs, fmt.Sprintf("line %s: unknown key %s", m[1], m[2]))
				continue
			}
			msgs = append(msgs, lineOf(e)+"value of the wrong type")
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	return fmt.Errorf("%snot valid YAML", lineOf(err.Error()))
}

func lineOf(msg string) string {
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		return "line " + m[1] + ": "
	}
	return ""
}
