// Package securityhub imports tfreview's findings into AWS Security Hub as
// the asff formatter writes them, and archives the ones that are gone, so
// infrastructure-as-code findings sit next to the live ones before
// anything is deployed.
package securityhub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/formatters"
)

// BatchSize is BatchImportFindings' limit: "accepts up to 100 findings per
// request". https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html
const BatchSize = 100

// API is the part of the Security Hub client the importer uses.
type API interface {
	BatchImportFindings(ctx context.Context, in *securityhub.BatchImportFindingsInput, optFns ...func(*securityhub.Options)) (*securityhub.BatchImportFindingsOutput, error)
	GetFindings(ctx context.Context, in *securityhub.GetFindingsInput, optFns ...func(*securityhub.Options)) (*securityhub.GetFindingsOutput, error)
}

// Importer sends one repository's findings to one account and region.
type Importer struct {
	API    API
	Target formatters.ASFFTarget
}

// Result counts what a sync did.
type Result struct {
	Imported, Archived, Requests int
}

// Sync imports the active findings of rep (CreatedAt kept for those
// already there) and re-imports with RecordState ARCHIVED those of this
// repository that are no longer found. Suppressed findings count as gone:
// an accepted risk leaves the dashboard.
func (im Importer) Sync(ctx context.Context, rep finding.Report) (Result, error) {
	var res Result
	doc, err := formatters.ASFF(rep, im.Target, false)
	if err != nil {
		return res, err
	}
	current, err := toSDK(doc.Findings)
	if err != nil {
		return res, err
	}
	existing, n, err := im.active(ctx)
	res.Requests += n
	if err != nil {
		return res, fmt.Errorf("securityhub: list this repository's findings: %w", err)
	}
	byID := map[string]types.AwsSecurityFinding{}
	for _, f := range existing {
		byID[aws.ToString(f.Id)] = f
	}
	now := aws.String(im.Target.Now.UTC().Format(time.RFC3339Nano))
	seen := map[string]bool{}
	for i := range current {
		id := aws.ToString(current[i].Id)
		seen[id] = true
		if old, ok := byID[id]; ok && old.CreatedAt != nil {
			current[i].CreatedAt = old.CreatedAt
		}
	}
	var gone []types.AwsSecurityFinding
	for _, f := range existing {
		if !seen[aws.ToString(f.Id)] {
			f.RecordState = types.RecordStateArchived
			f.UpdatedAt = now
			gone = append(gone, f)
		}
	}
	n, err = im.importAll(ctx, current)
	res.Requests += n
	if err != nil {
		return res, err
	}
	res.Imported = len(current)
	n, err = im.importAll(ctx, gone)
	res.Requests += n
	if err != nil {
		return res, fmt.Errorf("archive: %w", err)
	}
	res.Archived = len(gone)
	return res, nil
}

// active lists this repository's active findings of the default product,
// page by page (one request per 100).
func (im Importer) active(ctx context.Context) ([]types.AwsSecurityFinding, int, error) {
	probe, err := formatters.ASFF(finding.Report{Findings: []finding.Finding{{RuleID: "x"}}}, im.Target, false)
	if err != nil {
		return nil, 0, err
	}
	product := probe.Findings[0].ProductArn
	repo := probe.Findings[0].ProductFields["tfreview/Repository"]
	in := &securityhub.GetFindingsInput{
		Filters: &types.AwsSecurityFindingFilters{
			ProductArn:    []types.StringFilter{{Comparison: types.StringFilterComparisonEquals, Value: aws.String(product)}},
			RecordState:   []types.StringFilter{{Comparison: types.StringFilterComparisonEquals, Value: aws.String(string(types.RecordStateActive))}},
			ProductFields: []types.MapFilter{{Comparison: types.MapFilterComparisonEquals, Key: aws.String("tfreview/Repository"), Value: aws.String(repo)}},
		},
		MaxResults: aws.Int32(100),
	}
	var out []types.AwsSecurityFinding
	requests := 0
	p := securityhub.NewGetFindingsPaginator(im.API, in)
	for p.HasMorePages() {
		requests++
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, requests, err
		}
		out = append(out, page.Findings...)
	}
	return out, requests, nil
}

func (im Importer) importAll(ctx context.Context, fs []types.AwsSecurityFinding) (int, error) {
	requests := 0
	var errs []error
	for batch := range slices.Chunk(fs, BatchSize) {
		requests++
		out, err := im.API.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: batch})
		if err != nil {
			return requests, fmt.Errorf("securityhub: BatchImportFindings: %w", err)
		}
		for _, f := range out.FailedFindings {
			errs = append(errs, fmt.Errorf("securityhub: finding %s: %s %s", aws.ToString(f.Id), aws.ToString(f.ErrorCode), aws.ToString(f.ErrorMessage)))
		}
	}
	if len(errs) > 5 {
		errs = append(errs[:5], fmt.Errorf("and %d more failed", len(errs)-5))
	}
	return requests, errors.Join(errs...)
}

// toSDK converts the formatter's documents to the SDK's types. The field
// names are ASFF's on both sides, so JSON carries them over exactly.
func toSDK(fs []formatters.ASFFFinding) ([]types.AwsSecurityFinding, error) {
	raw, err := json.Marshal(fs)
	if err != nil {
		return nil, err
	}
	var out []types.AwsSecurityFinding
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("securityhub: convert ASFF: %w", err)
	}
	return out, nil
}
