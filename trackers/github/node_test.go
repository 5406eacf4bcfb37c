package github_test

import (
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tfreview/tfreview/lifecycle"
)

func mustNode(t *testing.T, s lifecycle.Settings) *yaml.Node {
	t.Helper()
	raw, err := yaml.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var n yaml.Node
	if err := yaml.Unmarshal(raw, &n); err != nil {
		t.Fatal(err)
	}
	return &n
}
