package rules

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/tfmodel"
)

// AWS provider v4 split S3 bucket settings into companion resources
// (aws_s3_bucket_versioning, aws_s3_bucket_public_access_block,
// aws_s3_bucket_server_side_encryption_configuration). A fix edits the
// companion when there is one, the deprecated inline block when the bucket
// uses it, and otherwise adds the companion right after the bucket.

// bucketRef reports whether a companion's `bucket` argument refers to the
// bucket resource (aws_s3_bucket.<name>.id or .bucket).
func bucketRef(companion, bucket *tfmodel.Block) bool {
	a := companion.Attr("bucket")
	if a == nil || a.Expr == nil {
		return false
	}
	for _, tr := range a.Expr.Variables() {
		if tr.RootName() != "aws_s3_bucket" || len(tr) < 2 {
			continue
		}
		if at, ok := tr[1].(hcl.TraverseAttr); ok && len(bucket.Labels) > 1 && at.Name == bucket.Labels[1] {
			return true
		}
	}
	// A literal bucket name on both sides.
	name := bucket.Attr("bucket")
	return name != nil && knownString(name.Value) && knownString(a.Value) && a.Value.AsString() == name.Value.AsString()
}

// companionsOf returns the resources of typ in the bucket's module that
// configure it.
func companionsOf(bucket *tfmodel.Block, typ string) []*tfmodel.Block {
	var out []*tfmodel.Block
	if bucket.Module == nil {
		return nil
	}
	for _, b := range bucket.Module.Blocks {
		if b.Type == "resource" && b.TypeLabel() == typ && bucketRef(b, bucket) {
			out = append(out, b)
		}
	}
	return out
}

// bucketOf returns the aws_s3_bucket a companion configures.
func bucketOf(companion *tfmodel.Block) *tfmodel.Block {
	if companion.Module == nil {
		return nil
	}
	for _, b := range companion.Module.Blocks {
		if b.Type == "resource" && b.TypeLabel() == "aws_s3_bucket" && bucketRef(companion, b) {
			return b
		}
	}
	return nil
}

// freeName returns a resource name of typ unused in the module: want, or
// want with a suffix.
func freeName(m *tfmodel.Module, typ, want string) string {
	taken := func(n string) bool {
		if m == nil {
			return false
		}
		return slices.ContainsFunc(m.Blocks, func(b *tfmodel.Block) bool {
			return b.Type == "resource" && b.TypeLabel() == typ && len(b.Labels) > 1 && b.Labels[1] == n
		})
	}
	if !taken(want) {
		return want
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s_%d", want, i); !taken(n) {
			return n
		}
	}
}

// repeated says why a new companion cannot be added for a resource with
// count or for_each: it would need the same meta-argument and index.
func repeated(b *tfmodel.Block) string {
	for _, meta := range []string{"count", "for_each"} {
		if b.Attr(meta) != nil {
			return fmt.Sprintf("%s uses %s; a companion resource must repeat it, add one by hand", b.Address, meta)
		}
	}
	return ""
}

// addCompanion returns a fix that inserts a new resource after the bucket.
func addCompanion(p *tfmodel.Project, bucket *tfmodel.Block, desc string, build func(name string) []string) (*finding.Fix, string) {
	if why := repeated(bucket); why != "" {
		return nil, why
	}
	ed, why := newEditor(p, bucket)
	if why != "" {
		return nil, why
	}
	for _, text := range build(bucket.Labels[1]) {
		ed.InsertAfter(text)
	}
	return ed.Fix(desc)
}

// resourceText renders `resource "typ" "name" { ... }`.
func resourceText(typ, name string, build func(*hclwrite.Body)) string {
	return newBlockText(func(f *hclwrite.Body) {
		build(f.AppendNewBlock("resource", []string{typ, name}).Body())
	})
}

// S3 versioning (AWS-0090).

func fixS3Versioning(p *tfmodel.Project, b *tfmodel.Block, _ *tfmodel.Attribute) (*finding.Fix, string) {
	const desc = "Enable versioning on the bucket"
	top := b.Top()
	switch top.TypeLabel() {
	case "aws_s3_bucket_versioning":
		return setFix(p, top, []string{"versioning_configuration", "status"}, cty.StringVal("Enabled"), desc)
	case "aws_s3_bucket":
	default:
		return nil, ""
	}
	if top.Child("versioning") != nil { // provider v3 inline block
		return setFix(p, top, []string{"versioning", "enabled"}, cty.True, desc)
	}
	if cs := companionsOf(top, "aws_s3_bucket_versioning"); len(cs) > 0 {
		return setFix(p, cs[0], []string{"versioning_configuration", "status"}, cty.StringVal("Enabled"), desc)
	}
	return addCompanion(p, top, desc+" with an aws_s3_bucket_versioning resource (AWS provider v4+)", func(name string) []string {
		n := freeName(top.Module, "aws_s3_bucket_versioning", name)
		return []string{resourceText("aws_s3_bucket_versioning", n, func(body *hclwrite.Body) {
			body.SetAttributeRaw("bucket", refTokens("aws_s3_bucket", name, "id"))
			body.AppendNewline()
			body.AppendNewBlock("versioning_configuration", nil).Body().SetAttributeValue("status", cty.StringVal("Enabled"))
		})}
	})
}

// S3 public access block (AWS-0086, 0087, 0091, 0093, 0094).

var publicAccessSettings = []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"}

// fixS3PublicAccess returns a fixer that turns on setting (or, for a bucket
// with no public access block at all, adds one with every setting on).
func fixS3PublicAccess(setting string) TrivyFixer {
	return func(p *tfmodel.Project, b *tfmodel.Block, _ *tfmodel.Attribute) (*finding.Fix, string) {
		top := b.Top()
		switch top.TypeLabel() {
		case "aws_s3_bucket_public_access_block":
			if setting == "" {
				return nil, ""
			}
			return setFix(p, top, []string{setting}, cty.True, "Set "+setting+" = true")
		case "aws_s3_bucket":
		default:
			return nil, ""
		}
		if cs := companionsOf(top, "aws_s3_bucket_public_access_block"); len(cs) > 0 {
			if setting == "" {
				return nil, ""
			}
			return setFix(p, cs[0], []string{setting}, cty.True, "Set "+setting+" = true")
		}
		return addCompanion(p, top, "Block all public access with an aws_s3_bucket_public_access_block resource (remove it only if the bucket must be public)",
			func(name string) []string {
				n := freeName(top.Module, "aws_s3_bucket_public_access_block", name)
				return []string{resourceText("aws_s3_bucket_public_access_block", n, func(body *hclwrite.Body) {
					body.SetAttributeRaw("bucket", refTokens("aws_s3_bucket", name, "id"))
					body.AppendNewline()
					for _, s := range publicAccessSettings {
						body.SetAttributeValue(s, cty.True)
					}
				})}
			})
	}
}

// S3 encryption with a customer-managed key (AWS-0132; AWS-0088 is the
// deprecated "any encryption" check and takes the same fix).

// kmsKeyText is a new customer-managed key with rotation on (AWS-0065).
func kmsKeyText(name, purpose string) string {
	return resourceText("aws_kms_key", name, func(body *hclwrite.Body) {
		body.SetAttributeValue("description", cty.StringVal(purpose))
		body.SetAttributeValue("enable_key_rotation", cty.True)
		body.SetAttributeValue("deletion_window_in_days", cty.NumberIntVal(30))
	})
}

func fixS3Encryption(p *tfmodel.Project, b *tfmodel.Block, _ *tfmodel.Attribute) (*finding.Fix, string) {
	const desc = "Encrypt the bucket with a new customer-managed KMS key (rotation on); review the key policy for the principals that read the bucket"
	top := b.Top()
	var bucket, target *tfmodel.Block
	var path []string // from target to the apply_server_side_encryption_by_default block
	switch top.TypeLabel() {
	case "aws_s3_bucket_server_side_encryption_configuration":
		bucket, target, path = bucketOf(top), top, []string{"rule", "apply_server_side_encryption_by_default"}
	case "aws_s3_bucket":
		bucket = top
		if top.Child("server_side_encryption_configuration") != nil { // provider v3 inline block
			target, path = top, []string{"server_side_encryption_configuration", "rule", "apply_server_side_encryption_by_default"}
		} else if cs := companionsOf(top, "aws_s3_bucket_server_side_encryption_configuration"); len(cs) > 0 {
			target, path = cs[0], []string{"rule", "apply_server_side_encryption_by_default"}
		}
	default:
		return nil, ""
	}
	if bucket == nil {
		return nil, "the bucket this configuration belongs to could not be found"
	}
	// Keys are named after what they encrypt, so two fixes in one run
	// (a bucket and a topic with the same name) never add the same address.
	keyName := freeName(bucket.Module, "aws_kms_key", bucket.Labels[1]+"_bucket")
	keyText := kmsKeyText(keyName, "Encrypts S3 bucket "+bucket.Labels[1])
	keyRef := refTokens("aws_kms_key", keyName, "arn")
	if target == nil {
		sseName := freeName(bucket.Module, "aws_s3_bucket_server_side_encryption_configuration", bucket.Labels[1])
		return addCompanion(p, bucket, desc, func(name string) []string {
			return []string{keyText, resourceText("aws_s3_bucket_server_side_encryption_configuration", sseName, func(body *hclwrite.Body) {
				body.SetAttributeRaw("bucket", refTokens("aws_s3_bucket", name, "id"))
				body.AppendNewline()
				rule := body.AppendNewBlock("rule", nil).Body()
				def := rule.AppendNewBlock("apply_server_side_encryption_by_default", nil).Body()
				def.SetAttributeValue("sse_algorithm", cty.StringVal("aws:kms"))
				def.SetAttributeRaw("kms_master_key_id", keyRef)
				rule.SetAttributeValue("bucket_key_enabled", cty.True)
			})}
		})
	}
	for _, attr := range []string{"sse_algorithm", "kms_master_key_id"} {
		if why := nonLiteralAt(target, append(slices.Clone(path), attr)); why != "" {
			return nil, why
		}
	}
	if why := repeated(target); why != "" {
		return nil, why
	}
	ed, why := newEditor(p, target, path...)
	if why != "" {
		return nil, why
	}
	body := ed.Body()
	for _, typ := range path {
		body = ensureBlock(body, typ)
	}
	body.SetAttributeValue("sse_algorithm", cty.StringVal("aws:kms"))
	body.SetAttributeRaw("kms_master_key_id", keyRef)
	ed.InsertAfter(keyText)
	return ed.Fix(desc)
}

// SNS topic encryption (AWS-0095): AWS-0136 rejects the AWS-managed
// alias/aws/sns key, so the fix adds a customer-managed key.
func fixSNSEncryption(p *tfmodel.Project, b *tfmodel.Block, _ *tfmodel.Attribute) (*finding.Fix, string) {
	top := b.Top()
	if top.TypeLabel() != "aws_sns_topic" {
		return nil, ""
	}
	if why := nonLiteralAt(top, []string{"kms_master_key_id"}); why != "" {
		return nil, why
	}
	if why := repeated(top); why != "" {
		return nil, why
	}
	ed, why := newEditor(p, top)
	if why != "" {
		return nil, why
	}
	keyName := freeName(top.Module, "aws_kms_key", top.Labels[1]+"_topic")
	ed.Body().SetAttributeRaw("kms_master_key_id", refTokens("aws_kms_key", keyName, "id"))
	ed.InsertAfter(kmsKeyText(keyName, "Encrypts SNS topic "+top.Labels[1]))
	return ed.Fix("Encrypt the topic with a new customer-managed KMS key (rotation on); AWS services that publish to it need access in the key policy")
}
