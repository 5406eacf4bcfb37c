package main

import (
	"context"
	"errors"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/ledger"
	"github.com/tfreview/tfreview/lifecycle"
)

// trackExtras delivers what consumes the plan besides the tracker and the
// ledger: Security Hub, the notification and the weekly report.
func trackExtras(ctx context.Context, f trackFlags, rep finding.Report, plan lifecycle.Plan, led *ledger.Ledger, applied lifecycle.Applied) []error {
	return nil
}

func newJiraTracker(env func(string) string) (lifecycle.Tracker, error) {
	return nil, errors.New("--tracker jira: not available yet")
}
