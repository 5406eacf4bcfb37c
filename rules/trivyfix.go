package rules

import (
	"fmt"
	"slices"
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
	"AWS-0026": replaces(setTop("aws_ebs_volume", "encrypted", cty.True)),
	// Root and EBS block devices of instances and launch configurations.
	"AWS-0131": replaces(setOnBlock([]string{"root_block_device", "ebs_block_device"}, "encrypted", cty.True)),
	"AWS-0008": replaces(setOnBlock([]string{"root_block_device", "ebs_block_device"}, "encrypted", cty.True)),
	// IMDSv2 on instances, launch templates and launch configurations.
	"AWS-0028": setIn("aws_instance", []string{"metadata_options", "http_tokens"}, cty.StringVal("required")),
	"AWS-0130": anyOf(
		setIn("aws_launch_template", []string{"metadata_options", "http_tokens"}, cty.StringVal("required")),
		setIn("aws_launch_configuration", []string{"metadata_options", "http_tokens"}, cty.StringVal("required"))),
	// Storage encryption of RDS, DocumentDB, Neptune, EFS, ElastiCache.
	"AWS-0080": replaces(setTop("aws_db_instance", "storage_encrypted", cty.True)),
	"AWS-0079": replaces(fixRDSClusterEncryption),
	"AWS-0021": replaces(setTop("aws_docdb_cluster", "storage_encrypted", cty.True)),
	"AWS-0076": replaces(setTop("aws_neptune_cluster", "storage_encrypted", cty.True)),
	"AWS-0037": replaces(setTop("aws_efs_file_system", "encrypted", cty.True)),
	"AWS-0045": replaces(setTop("aws_elasticache_replication_group", "at_rest_encryption_enabled", cty.True)),
	// RDS public access.
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
	// SQS managed encryption; SNS with a new customer-managed key, since
	// AWS-0136 rejects the AWS-managed one.
	"AWS-0096": setTop("aws_sqs_queue", "sqs_managed_sse_enabled", cty.True),
	"AWS-0095": fixSNSEncryption,
	// S3 through the companion resources of AWS provider v4+.
	"AWS-0090": fixS3Versioning,
	"AWS-0086": fixS3PublicAccess("block_public_acls"),
	"AWS-0087": fixS3PublicAccess("block_public_policy"),
	"AWS-0091": fixS3PublicAccess("ignore_public_acls"),
	"AWS-0093": fixS3PublicAccess("restrict_public_buckets"),
	"AWS-0094": fixS3PublicAccess(""),
	"AWS-0132": fixS3Encryption,
	"AWS-0088": fixS3Encryption,
	// Application load balancers drop malformed headers (request smuggling).
	"AWS-0052": fixALBInvalidHeaders,
	// RDS IAM auth and deletion protection.
	"AWS-0176": setTop("aws_db_instance", "iam_database_authentication_enabled", cty.True),
	"AWS-0177": setTop("aws_db_instance", "deletion_protection", cty.True),
	// Security group rule description: a placeholder the author must edit.
	"AWS-0124": setOnBlock([]string{"ingress", "egress", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"},
		"description", cty.StringVal("TODO: describe why this rule exists")),
}

// Fix classes say what applying a fix commits the user to beyond the
// setting itself. `tfreview fix` applies safe fixes unless asked for more
// with --fix-class.
const (
	// FixClassSafe sets or adds a setting; nothing new is billed and
	// nothing is left for the author to fill in.
	FixClassSafe = "safe"
	// FixClassBillable adds resources that cost money (a new
	// customer-managed KMS key).
	FixClassBillable = "billable"
	// FixClassPlaceholder writes text the author must replace
	// (description = "TODO: ...").
	FixClassPlaceholder = "placeholder"
	// FixClassLifecycle changes what Terraform may do to the resource
	// later (deletion protection makes terraform destroy fail).
	FixClassLifecycle = "lifecycle"
)

// FixClasses lists the classes, FixClassSafe first.
func FixClasses() []string {
	return []string{FixClassSafe, FixClassBillable, FixClassPlaceholder, FixClassLifecycle}
}

// trivyFixClasses are the Trivy fixes that are not FixClassSafe.
var trivyFixClasses = map[string]string{
	"AWS-0079": FixClassBillable, // a new KMS key when the cluster names none
	"AWS-0095": FixClassBillable,
	"AWS-0132": FixClassBillable,
	"AWS-0088": FixClassBillable,
	"AWS-0124": FixClassPlaceholder,
	"AWS-0177": FixClassLifecycle,
}

// FixClass is the class of the fixes of a check (by ID): FixClassSafe for
// every built-in rule and every Trivy fix not listed otherwise.
func FixClass(ruleID string) string {
	if c, ok := trivyFixClasses[ruleID]; ok {
		return c
	}
	return FixClassSafe
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

// setOnBlock sets an attribute on the block the finding points at, if it is
// one of kinds: a nested block type, or a resource type for a top-level
// block. Anything else (the finding could only be placed on its resource)
// gets no fix rather than an attribute the resource does not have.
func setOnBlock(kinds []string, name string, v cty.Value) TrivyFixer {
	return func(p *tfmodel.Project, b *tfmodel.Block, _ *tfmodel.Attribute) (*finding.Fix, string) {
		kind := b.Type
		if b.Parent == nil {
			kind = b.TypeLabel()
		}
		if !slices.Contains(kinds, kind) {
			for _, d := range b.Children("dynamic") {
				if slices.Contains(kinds, d.TypeLabel()) {
					return nil, fmt.Sprintf("the %s block is generated by a dynamic block; a fix there would change every generated block", d.TypeLabel())
				}
			}
			return nil, "the finding could not be traced to the block that needs " + name
		}
		return setFix(p, b, []string{name}, v, describe([]string{name}, v))
	}
}

// anyOf tries fixers in order and returns the first that applies to the
// block's resource type.
func anyOf(fs ...TrivyFixer) TrivyFixer {
	return func(p *tfmodel.Project, b *tfmodel.Block, a *tfmodel.Attribute) (*finding.Fix, string) {
		for _, f := range fs {
			if fix, why := f(p, b, a); fix != nil || why != "" {
				return fix, why
			}
		}
		return nil, ""
	}
}

// replaces marks a fix whose attribute forces Terraform to replace an
// existing resource: safe for a new resource, data loss for an existing
// one unless migrated. The reviewer must see that in the suggestion.
func replaces(f TrivyFixer) TrivyFixer {
	return func(p *tfmodel.Project, b *tfmodel.Block, a *tfmodel.Attribute) (*finding.Fix, string) {
		fix, why := f(p, b, a)
		if fix != nil {
			fix.Description += " (forces replacement: an existing resource is destroyed and recreated; migrate its data first, e.g. through an encrypted snapshot)"
		}
		return fix, why
	}
}

// fixRDSClusterEncryption turns storage encryption on and, since AWS-0079
// also fails an encrypted cluster without a customer-managed key, adds one
// when kms_key_id is unset or empty.
func fixRDSClusterEncryption(p *tfmodel.Project, b *tfmodel.Block, _ *tfmodel.Attribute) (*finding.Fix, string) {
	top := b.Top()
	if top.TypeLabel() != "aws_rds_cluster" {
		return nil, ""
	}
	for _, name := range []string{"storage_encrypted", "kms_key_id"} {
		if why := nonLiteralAt(top, []string{name}); why != "" {
			return nil, why
		}
	}
	if why := repeated(top); why != "" {
		return nil, why
	}
	ed, why := newEditor(p, top)
	if why != "" {
		return nil, why
	}
	ed.Body().SetAttributeValue("storage_encrypted", cty.True)
	desc := "set storage_encrypted = true"
	if k := top.Attr("kms_key_id"); k == nil || knownString(k.Value) && k.Value.AsString() == "" {
		keyName := freeName(top.Module, "aws_kms_key", top.Labels[1]+"_cluster")
		ed.Body().SetAttributeRaw("kms_key_id", refTokens("aws_kms_key", keyName, "arn"))
		ed.InsertAfter(kmsKeyText(keyName, "Encrypts RDS cluster "+top.Labels[1]))
		desc = "Encrypt the cluster's storage with a new customer-managed KMS key (rotation on)"
	}
	return ed.Fix(desc)
}

// fixALBInvalidHeaders sets drop_invalid_header_fields on application load
// balancers (the default type of aws_lb and aws_alb).
func fixALBInvalidHeaders(p *tfmodel.Project, b *tfmodel.Block, _ *tfmodel.Attribute) (*finding.Fix, string) {
	top := b.Top()
	if t := top.TypeLabel(); t != "aws_lb" && t != "aws_alb" {
		return nil, ""
	}
	return setFix(p, top, []string{"drop_invalid_header_fields"}, cty.True, describe([]string{"drop_invalid_header_fields"}, cty.True))
}
