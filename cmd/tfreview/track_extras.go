package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	sh "github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/formatters"
	"github.com/tfreview/tfreview/ledger"
	"github.com/tfreview/tfreview/lifecycle"
	"github.com/tfreview/tfreview/lifecycle/weekly"
	"github.com/tfreview/tfreview/notify"
	"github.com/tfreview/tfreview/securityhub"
)

// trackExtras delivers what consumes the plan besides the tracker and the
// ledger: Security Hub, the notification and the weekly report. Each
// failure is returned and the others still run.
func trackExtras(ctx context.Context, f trackFlags, rep finding.Report, plan lifecycle.Plan, led *ledger.Ledger, applied lifecycle.Applied) []error {
	var errs []error
	if f.secHub {
		if err := importToSecurityHub(ctx, f, rep); err != nil {
			errs = append(errs, err)
		}
	}
	if f.notify != "" {
		title := "tfreview " + cmp.Or(os.Getenv("GITHUB_REPOSITORY"), "track")
		if m, ok := notify.Build(plan, applied.Tickets, title); ok {
			if err := notify.Post(ctx, nil, f.notify, m); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if f.report != "" {
		if led == nil {
			// Without a ledger the page has this run's state, no history.
			led = &ledger.Ledger{Header: ledger.Columns}
			led.Apply(plan, applied.Tickets, f.now())
		}
		var page bytes.Buffer
		if err := weekly.Write(&page, led, plan, f.now()); err != nil {
			return append(errs, err)
		}
		if err := writeFileAtomic(f.report, page.Bytes()); err != nil {
			errs = append(errs, fmt.Errorf("--report: %w", err))
		}
		if summary := os.Getenv("GITHUB_STEP_SUMMARY"); summary != "" {
			if err := appendFile(summary, page.Bytes()); err != nil {
				errs = append(errs, fmt.Errorf("job summary: %w", err))
			}
		}
	}
	return errs
}

// importToSecurityHub uses the standard credential chain and region; the
// account is the caller's (STS GetCallerIdentity) unless AWS_ACCOUNT_ID
// names it.
func importToSecurityHub(ctx context.Context, f trackFlags, rep finding.Report) error {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("securityhub: AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return errors.New("securityhub: no AWS region (AWS_REGION)")
	}
	account := os.Getenv("AWS_ACCOUNT_ID")
	if account == "" {
		id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return fmt.Errorf("securityhub: find the AWS account: %w", err)
		}
		account = aws.ToString(id.Account)
	}
	im := securityhub.Importer{
		API: sh.NewFromConfig(cfg),
		Target: formatters.ASFFTarget{
			Account: account, Region: cfg.Region, Repository: os.Getenv("GITHUB_REPOSITORY"),
			Commit: cmp.Or(f.commit, os.Getenv("GITHUB_SHA")), Now: f.now(),
		},
	}
	_, err = im.Sync(ctx, rep)
	return err
}

func appendFile(path string, b []byte) error {
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := fh.Write(b); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}
