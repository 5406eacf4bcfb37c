// Package config reads .tfreview.yaml. Unknown keys are an error naming the
// key, so a typo never silently disables a setting.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/tfreview/tfreview/rules"
)

// FileName is looked for in the scanned root when --config is not given.
const FileName = ".tfreview.yaml"

// Config is the file's content. Flags override it.
type Config struct {
	Severity            string       `yaml:"severity"`
	FailOn              string       `yaml:"fail_on"`
	Engines             []string     `yaml:"engines"`
	DisabledChecks      []string     `yaml:"disabled_checks"`
	SkipDirs            []string     `yaml:"skip_dirs"`
	SkipFiles           []string     `yaml:"skip_files"`
	VarFiles            []string     `yaml:"var_files"`
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
}

// OwnerRule maps findings to the people who must act on them in PR
// summaries.
type OwnerRule struct {
	Severity string   `yaml:"severity"` // at or above; empty = any
	Paths    []string `yaml:"paths"`    // globs; empty = any
	Mention  []string `yaml:"mention"`  // @org/team or @user
	Labels   []string `yaml:"labels"`
}

// Load reads and validates the file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
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
		return nil, err
	}
	return &c, nil
}
