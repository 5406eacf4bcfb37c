package rules

import (
	"strings"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// TrivyFixer makes the fix for one Trivy finding: block is the resource (or
// nested block) the finding is about, attr the offending attribute or nil.
type TrivyFixer func(p *tfmodel.Project, block *tfmodel.Block, attr *tfmodel.Attribute) (*finding.Fix, string)

// trivyFixes maps Trivy check IDs to fixers. Only fixes whose right value
// is certain are listed.
var trivyFixes = map[string]TrivyFixer{
	// EBS volume encryption.
	"AWS-0026": setTop("aws_ebs_volume", "encrypted", cty.True),
	// Root and EBS block devices of instances.
	"AWS-0131": setOn("encrypted", cty.True),
	// IMDSv2.
	"AWS-0028": setIn("aws_instance", []string{"metadata_options", "http_tokens"}, cty.StringVal("required")),
	// RDS storage encryption, public access.
	"AWS-0080": setTop("aws_db_instance", "storage_encrypted", cty.True),
	"AWS-0180": setTop("aws_db_instance", "publicly_accessible", cty.False),
	// CloudTrail log validation and multi-region.
	"AWS-0016": setTop("aws_cloudtrail", "enable_log_file_validation", cty.True),
	"AWS-0014": setTop("aws_cloudtrail", "is_multi_region_trail", cty.True),
	// KMS key rotation.
	"AWS-0065": setTop("aws_kms_key", "enable_key_rotation", cty.True),
	// ECR image scanning and immutable tags.
	"AWS-0030": setIn("aws_ecr_repository", []string{"image_scanning_configuration", "scan_on_push"}, cty.True),
	"AWS-0031": setTop("aws_ecr_repository", "image_tag_mutability", cty.StringVal("IMMUTABLE")),
	// DynamoDB point-in-time recovery.
	"AWS-0024": setIn("aws_dynamodb_table", []string{"point_in_time_recovery", "enabled"}, cty.True),
	// SQS managed encryption.
	"AWS-0096": setTop("aws_sqs_queue", "sqs_managed_sse_enabled", cty.True),
	// RDS IAM auth and deletion protection.
	"AWS-0176": setTop("aws_db_instance", "iam_database_authentication_enabled", cty.True),
	"AWS-0177": setTop("aws_db_instance", "deletion_protection", cty.True),
	// Security group rule description: a placeholder the author must edit.
	"AWS-0124": setOn("description", cty.StringVal("TODO: describe why this rule exists")),
}

// TrivyFix returns the fix for a Trivy finding, or why there is none ("" if
// the check has no fixer).
func TrivyFix(ruleID string, p *tfmodel.Project, block *tfmodel.Block, attr *tfmodel.Attribute) (*finding.Fix, string) {
	fx, ok := trivyFixes[ruleID]
	if !ok || block == nil {
		return nil, ""
	}
	return fx(p, block, attr)
}

// TrivyFixable reports whether a Trivy check has a fixer.
func TrivyFixable(ruleID string) bool { _, ok := trivyFixes[ruleID]; return ok }

func describe(path []string, v cty.Value) string {
	return "set " + strings.Join(path, ".") + " = " + string(hclwrite.TokensForValue(v).Bytes())
}

// setTop sets an attribute of a top-level resource of the given type.
func setTop(resourceType, name string, v cty.Value) TrivyFixer {
	return setIn(resourceType, []string{name}, v)
}

// setIn sets the attribute at path (nested block types, then the name) of
// a top-level resource of the given type, creating missing nested blocks.
func setIn(resourceType string, path []string, v cty.Value) TrivyFixer {
	return func(p *tfmodel.Project, b *tfmodel.Block, _ *tfmodel.Attribute) (*finding.Fix, string) {
		top := b.Top()
		if top.Type != "resource" || top.TypeLabel() != resourceType {
			return nil, ""
		}
		return setFix(p, top, path, v, describe(path, v))
	}
}

// setOn sets an attribute on the block the finding points at (nested or
// top-level).
func setOn(name string, v cty.Value) TrivyFixer {
	return func(p *tfmodel.Project, b *tfmodel.Block, _ *tfmodel.Attribute) (*finding.Fix, string) {
		return setFix(p, b, []string{name}, v, describe([]string{name}, v))
	}
}
