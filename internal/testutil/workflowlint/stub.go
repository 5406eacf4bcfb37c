//go:build noactionlint

package workflowlint

import "errors"

// Available reports whether actionlint was compiled in.
const Available = false

var errUnavailable = errors.New("built with -tags noactionlint")

func Lint(string, []byte, string) ([]string, bool, error) { return nil, false, errUnavailable }
func ActionAsWorkflow([]byte) ([]byte, error)             { return nil, errUnavailable }
func MarkdownWorkflows([]byte) [][]byte                   { return nil }
func UseLocalAction(b []byte) []byte                      { return b }
