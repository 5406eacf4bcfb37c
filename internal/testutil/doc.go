// Package testutil groups helpers that only tests import: a fake GitHub API
// (githubtest), a connection-counting listener (tripwire), custom Rego
// checks (checkstest) and the linter of the Actions YAML this repository
// ships (workflowlint). They live under internal/testutil so that the
// tfreview binary never links them; `go list -deps ./cmd/tfreview` shows it.
package testutil
