package formatters

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tfreview/tfreview/finding"
)

// ASFF limits, from the AWS Security Hub API reference (AwsSecurityFinding,
// Resource, Recommendation): Title 256 characters, Description 1024, a
// Recommendation's Text 512, an Id 512, up to 32 resources.
// https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_AwsSecurityFinding.html
const (
	asffSchemaVersion = "2018-10-08"
	asffMaxTitle      = 256
	asffMaxDesc       = 1024
	asffMaxRecText    = 512
	asffMaxID         = 512
	asffMaxOther      = 1024
	// asffType is the finding type: namespace/category (Security Hub's
	// "Types taxonomy for ASFF").
	asffType = "Software and Configuration Checks/AWS Security Best Practices"
)

// ASFFTarget says where ASFF documents go: the account and region of the
// default custom product (arn:PARTITION:securityhub:REGION:ACCOUNT:product/
// ACCOUNT/default), the repository and commit the resources are named by,
// and the time written as CreatedAt and UpdatedAt. The caller decides;
// the formatter never reads the environment.
type ASFFTarget struct {
	Account    string
	Region     string
	Repository string
	Commit     string
	Now        time.Time
}

// ASFFDocument is the body of BatchImportFindings.
type ASFFDocument struct {
	Findings []ASFFFinding `json:"Findings"`
}

// ASFFFinding is one AwsSecurityFinding with the attributes tfreview
// writes.
type ASFFFinding struct {
	SchemaVersion string            `json:"SchemaVersion"`
	Id            string            `json:"Id"`
	ProductArn    string            `json:"ProductArn"`
	GeneratorId   string            `json:"GeneratorId"`
	AwsAccountId  string            `json:"AwsAccountId"`
	Types         []string          `json:"Types"`
	CreatedAt     string            `json:"CreatedAt"`
	UpdatedAt     string            `json:"UpdatedAt"`
	Severity      ASFFSeverity      `json:"Severity"`
	Title         string            `json:"Title"`
	Description   string            `json:"Description"`
	Remediation   *ASFFRemediation  `json:"Remediation,omitempty"`
	ProductFields map[string]string `json:"ProductFields,omitempty"`
	Resources     []ASFFResource    `json:"Resources"`
	RecordState   string            `json:"RecordState"`
	Workflow      *ASFFWorkflow     `json:"Workflow,omitempty"`
	SourceUrl     string            `json:"SourceUrl,omitempty"`
}

type ASFFSeverity struct {
	Label    string `json:"Label"`
	Original string `json:"Original,omitempty"`
}

type ASFFRemediation struct {
	Recommendation ASFFRecommendation `json:"Recommendation"`
}

type ASFFRecommendation struct {
	Text string `json:"Text,omitempty"`
	Url  string `json:"Url,omitempty"`
}

type ASFFResource struct {
	Type      string               `json:"Type"`
	Id        string               `json:"Id"`
	Partition string               `json:"Partition,omitempty"`
	Region    string               `json:"Region,omitempty"`
	Details   *ASFFResourceDetails `json:"Details,omitempty"`
}

type ASFFResourceDetails struct {
	Other map[string]string `json:"Other,omitempty"`
}

type ASFFWorkflow struct {
	Status string `json:"Status"`
}

var awsAccountRE = regexp.MustCompile(`^[0-9]{12}$`)

// ASFFPartition is the ARN partition of a region.
func ASFFPartition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// ASFFFindingID is a finding's stable Id: the repository and its
// fingerprint, so two repositories in one account never collide.
func ASFFFindingID(repository, fingerprint string) string {
	return truncateRunes("tfreview/"+cmp.Or(repository, "local")+"/"+fingerprint, asffMaxID)
}

// Placeholders written when no target is given (`scan --format asff`):
// the documents are complete and valid, and the account is one no real
// account has, so an import without setting it fails instead of landing
// in the wrong place. `track --securityhub` fills in the real ones.
const (
	ASFFPlaceholderAccount = "000000000000"
	ASFFPlaceholderRegion  = "us-east-1"
)

// ASFF builds the documents of the findings a formatter would list, in
// report order.
func ASFF(r finding.Report, t ASFFTarget, showSuppressed bool) (ASFFDocument, error) {
	if t.Account == "" {
		t.Account = ASFFPlaceholderAccount
	}
	if t.Region == "" {
		t.Region = ASFFPlaceholderRegion
	}
	if !awsAccountRE.MatchString(t.Account) {
		return ASFFDocument{}, fmt.Errorf("asff: AWS account %q is not 12 digits", t.Account)
	}
	partition := ASFFPartition(t.Region)
	productArn := fmt.Sprintf("arn:%s:securityhub:%s:%s:product/%s/default", partition, t.Region, t.Account, t.Account)
	now := t.Now.UTC().Format(time.RFC3339Nano)
	doc := ASFFDocument{Findings: []ASFFFinding{}}
	for _, f := range shown(r, Options{ShowSuppressed: showSuppressed}) {
		ri := ruleInfo(r, f)
		fp := f.Fingerprint
		if fp == "" {
			fp = finding.FingerprintOf(f)
		}
		resID := f.Resource
		if resID == "" {
			resID = f.Range.File
		}
		desc := f.Message
		if desc == "" {
			desc = cmp.Or(ri.Description, ri.Title)
		}
		af := ASFFFinding{
			SchemaVersion: asffSchemaVersion,
			Id:            ASFFFindingID(t.Repository, fp),
			ProductArn:    productArn,
			GeneratorId:   truncateRunes(f.RuleID, asffMaxID),
			AwsAccountId:  t.Account,
			Types:         []string{asffType},
			CreatedAt:     now,
			UpdatedAt:     now,
			Severity:      ASFFSeverity{Label: asffSeverity(f.Severity), Original: f.Severity.String()},
			Title:         truncateRunes(cmp.Or(f.Title, f.RuleID), asffMaxTitle),
			Description:   truncateRunes(desc, asffMaxDesc),
			ProductFields: map[string]string{
				"tfreview/RuleId":      f.RuleID,
				"tfreview/Fingerprint": fp,
				"tfreview/Repository":  cmp.Or(t.Repository, "local"),
			},
			Resources: []ASFFResource{{
				Type: "Other", Id: truncateRunes(resID, asffMaxID), Partition: partition, Region: t.Region,
				Details: &ASFFResourceDetails{Other: otherDetails(f, t)},
			}},
			RecordState: "ACTIVE",
		}
		if text, url := cmp.Or(f.Resolution, ri.Resolution), f.DocURL(); text != "" || url != "" {
			af.Remediation = &ASFFRemediation{Recommendation: ASFFRecommendation{Text: truncateRunes(text, asffMaxRecText), Url: url}}
		}
		if f.Suppressed != nil {
			af.Workflow = &ASFFWorkflow{Status: "SUPPRESSED"}
		}
		doc.Findings = append(doc.Findings, af)
	}
	return doc, nil
}

func otherDetails(f finding.Finding, t ASFFTarget) map[string]string {
	m := map[string]string{
		"File": f.Range.File,
		"Line": strconv.Itoa(f.Range.Start.Line),
	}
	if f.Resource != "" {
		m["TerraformAddress"] = f.Resource
	}
	if t.Repository != "" {
		m["Repository"] = t.Repository
	}
	if t.Commit != "" {
		m["Commit"] = t.Commit
	}
	for k, v := range m {
		m[k] = truncateRunes(v, asffMaxOther)
	}
	return m
}

func asffSeverity(s finding.Severity) string {
	switch s {
	case finding.SeverityCritical, finding.SeverityHigh, finding.SeverityMedium, finding.SeverityLow:
		return s.String()
	}
	return "INFORMATIONAL"
}

func truncateRunes(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// asffFormatter writes the BatchImportFindings body.
type asffFormatter struct{ o Options }

func (a asffFormatter) Format(w io.Writer, r finding.Report) error {
	doc, err := ASFF(r, a.o.ASFF, a.o.ShowSuppressed)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
