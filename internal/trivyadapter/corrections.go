package trivyadapter

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/zclconf/go-cty/cty"

	adapter "github.com/aquasecurity/trivy/pkg/iac/adapters/terraform"
	"github.com/aquasecurity/trivy/pkg/iac/providers/aws/ec2"
	"github.com/aquasecurity/trivy/pkg/iac/providers/aws/elb"
	"github.com/aquasecurity/trivy/pkg/iac/providers/aws/kms"
	"github.com/aquasecurity/trivy/pkg/iac/providers/aws/s3"
	"github.com/aquasecurity/trivy/pkg/iac/rego"
	"github.com/aquasecurity/trivy/pkg/iac/scan"
	"github.com/aquasecurity/trivy/pkg/iac/state"
	"github.com/aquasecurity/trivy/pkg/iac/terraform"
	iacTypes "github.com/aquasecurity/trivy/pkg/iac/types"
)

// runChecks is Trivy's executor up to its checks: the evaluated modules are
// adapted into Trivy's state as Trivy does, then corrected where Trivy
// v0.74.0 reads the Terraform wrongly (correctState), so that Trivy's own
// checks fire, with their own IDs, on what they missed and stay quiet on
// what they misreport. Trivy's ignore step is left out: tfreview applies
// ignores itself, to failed and Trivy-ignored results alike.
func runChecks(ctx context.Context, rs *rego.Scanner, modules terraform.Modules, dir string) (scan.Results, error) {
	infra := adapter.Adapt(modules)
	orphans := correctState(infra, modules)
	results, err := rs.ScanInput(ctx, iacTypes.SourceCloud, rego.Input{Contents: infra.ToRego(), Path: dir})
	if err != nil {
		return nil, err
	}
	if len(orphans) == 0 {
		return results, nil
	}
	// Public access blocks of buckets outside the module are checked on
	// their own: only the checks of a public access block's settings apply,
	// not those of the bucket, which is not here.
	var alone state.State
	alone.AWS.S3.Buckets = orphans
	extra, err := rs.ScanInput(ctx, iacTypes.SourceCloud, rego.Input{Contents: alone.ToRego(), Path: dir})
	if err != nil {
		return nil, err
	}
	for _, r := range extra {
		if slices.Contains(publicAccessBlockChecks, r.Rule().ID) {
			results = append(results, r)
		}
	}
	return results, nil
}

// publicAccessBlockChecks are the checks of a public access block's four
// settings.
var publicAccessBlockChecks = []string{"AWS-0086", "AWS-0087", "AWS-0091", "AWS-0093"}

// correctState fixes infra where Trivy's adapters misread the modules, and
// returns the public access blocks whose bucket is outside the modules as
// buckets of their own.
func correctState(infra *state.State, modules terraform.Modules) []s3.Bucket {
	inlineNetworkACLRules(infra, modules)
	redirectsToHTTP(infra, modules)
	versioningWithoutEnabled(infra, modules)
	s3ACLGrants(infra, modules)
	nullSQSKey(infra, modules)
	auroraServerlessV1(infra, modules)
	asymmetricKMSKeys(infra, modules)
	return orphanPublicAccessBlocks(infra, modules)
}

// metaKey identifies the block or attribute behind a metadata value: its
// range and references up to the root module.
func metaKey(m iacTypes.Metadata) string {
	r := m.Range()
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d-%d|%s", r.GetFilename(), r.GetStartLine(), r.GetEndLine(), m.Reference())
	for p := m.Parent(); p != nil; p = p.Parent() {
		b.WriteString("<" + p.Reference())
	}
	return b.String()
}

// inlineNetworkACLRules: Trivy reads network ACL rules only from
// aws_network_acl_rule resources; rules written in the aws_network_acl
// itself, as ingress/egress blocks or as an attribute list of objects, are
// lost (SSH/RDP open to the world goes unreported, AWS-0105).
func inlineNetworkACLRules(infra *state.State, modules terraform.Modules) {
	acls := map[string]*ec2.NetworkACL{}
	for i := range infra.AWS.EC2.NetworkACLs {
		acls[metaKey(infra.AWS.EC2.NetworkACLs[i].Metadata)] = &infra.AWS.EC2.NetworkACLs[i]
	}
	for _, b := range modules.GetResourcesByType("aws_network_acl") {
		acl, ok := acls[metaKey(b.GetMetadata())]
		if !ok {
			continue
		}
		for _, kind := range []string{"ingress", "egress"} {
			for _, rb := range b.GetBlocks(kind) {
				rule := ec2.NetworkACLRule{
					Metadata: rb.GetMetadata(),
					Type:     iacTypes.String(kind, rb.GetMetadata()),
					Action:   rb.GetAttribute("action").AsStringValueOrDefault("", rb),
					Protocol: rb.GetAttribute("protocol").AsStringValueOrDefault("", rb),
					FromPort: rb.GetAttribute("from_port").AsIntValueOrDefault(-1, rb),
					ToPort:   rb.GetAttribute("to_port").AsIntValueOrDefault(-1, rb),
				}
				for _, name := range []string{"cidr_block", "ipv6_cidr_block"} {
					if a := rb.GetAttribute(name); a.IsNotNil() && !isNull(a) {
						rule.CIDRs = append(rule.CIDRs, a.AsStringValueOrDefault("", rb))
					}
				}
				acl.Rules = append(acl.Rules, rule)
			}
			a := b.GetAttribute(kind)
			if a.IsNil() {
				continue
			}
			meta := a.GetMetadata()
			for _, obj := range objects(a.Value()) {
				rule := ec2.NetworkACLRule{
					Metadata: meta,
					Type:     iacTypes.String(kind, meta),
					Action:   iacTypes.String(stringField(obj, "action"), meta),
					Protocol: iacTypes.String(stringField(obj, "protocol"), meta),
					FromPort: iacTypes.Int(intField(obj, "from_port"), meta),
					ToPort:   iacTypes.Int(intField(obj, "to_port"), meta),
				}
				for _, name := range []string{"cidr_block", "ipv6_cidr_block"} {
					if v := stringField(obj, name); v != "" {
						rule.CIDRs = append(rule.CIDRs, iacTypes.String(v, meta))
					}
				}
				acl.Rules = append(acl.Rules, rule)
			}
		}
	}
}

// redirectsToHTTP: Trivy exempts an HTTP listener from AWS-0054 when its
// default action is any redirect; one that does not go to HTTPS (protocol
// HTTP, or unset, which keeps the listener's HTTP) is no exemption.
func redirectsToHTTP(infra *state.State, modules terraform.Modules) {
	plain := map[string]bool{}
	for _, b := range modules.GetResourcesByType("aws_lb_listener", "aws_alb_listener") {
		for _, ab := range b.GetBlocks("default_action") {
			if !ab.GetAttribute("type").Equals("redirect") {
				continue
			}
			rb := ab.GetBlock("redirect")
			if rb == nil {
				continue
			}
			if p := rb.GetAttribute("protocol"); p.IsNotNil() && (!p.IsResolvable() || p.Equals("HTTPS", terraform.IgnoreCase)) {
				continue
			}
			plain[metaKey(ab.GetMetadata())] = true
		}
	}
	if len(plain) == 0 {
		return
	}
	for i := range infra.AWS.ELB.LoadBalancers {
		lb := &infra.AWS.ELB.LoadBalancers[i]
		for j := range lb.Listeners {
			l := &lb.Listeners[j]
			l.DefaultActions = slices.DeleteFunc(l.DefaultActions, func(a elb.Action) bool { return plain[metaKey(a.Metadata)] })
		}
	}
}

// versioningWithoutEnabled: Trivy takes an inline versioning block without
// `enabled` as versioning enabled; the provider's default is false
// (AWS-0090 goes unreported for `versioning { mfa_delete = true }`).
func versioningWithoutEnabled(infra *state.State, modules terraform.Modules) {
	defaulted := map[string]iacTypes.Metadata{}
	for _, b := range modules.GetResourcesByType("aws_s3_bucket") {
		if vb := b.GetBlock("versioning"); vb != nil && vb.GetAttribute("enabled").IsNil() {
			defaulted[metaKey(vb.GetMetadata())] = vb.GetMetadata()
		}
	}
	for i := range infra.AWS.S3.Buckets {
		v := &infra.AWS.S3.Buckets[i].Versioning
		// Only a value Trivy defaulted from the inline block: one read
		// from an aws_s3_bucket_versioning resource stands.
		if meta, ok := defaulted[metaKey(v.Enabled.GetMetadata())]; ok && v.Enabled.IsTrue() {
			v.Enabled = iacTypes.BoolDefault(false, meta)
		}
	}
}

// Grantee group URIs of S3 ACLs.
const (
	allUsersURI           = "http://acs.amazonaws.com/groups/global/AllUsers"
	authenticatedUsersURI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
)

// s3ACLGrants: Trivy reads a bucket's ACL only from the canned `acl`;
// grants to the AllUsers or AuthenticatedUsers groups in an
// aws_s3_bucket_acl's access_control_policy are the same exposure and are
// given to AWS-0092 as the canned ACL they amount to.
func s3ACLGrants(infra *state.State, modules terraform.Modules) {
	buckets := map[string]*s3.Bucket{}
	for i := range infra.AWS.S3.Buckets {
		buckets[metaKey(infra.AWS.S3.Buckets[i].Metadata)] = &infra.AWS.S3.Buckets[i]
	}
	for _, b := range modules.GetResourcesByType("aws_s3_bucket_acl") {
		policy := b.GetBlock("access_control_policy")
		if policy == nil {
			continue
		}
		target, err := modules.GetReferencedBlock(b.GetAttribute("bucket"), b)
		if err != nil {
			continue
		}
		bucket, ok := buckets[metaKey(target.GetMetadata())]
		if !ok {
			continue
		}
		for _, g := range policy.GetBlocks("grant") {
			grantee := g.GetBlock("grantee")
			if grantee == nil {
				continue
			}
			uri := grantee.GetAttribute("uri")
			var canned string
			switch {
			case uri.Equals(allUsersURI):
				canned = "public-read"
				if g.GetAttribute("permission").Equals("WRITE") || g.GetAttribute("permission").Equals("FULL_CONTROL") {
					canned = "public-read-write"
				}
			case uri.Equals(authenticatedUsersURI):
				canned = "authenticated-read"
			default:
				continue
			}
			if bucket.ACL.Value() != "public-read-write" {
				bucket.ACL = iacTypes.String(canned, uri.GetMetadata())
			}
		}
	}
}

// nullSQSKey: `kms_master_key_id = null` is the attribute omitted, but
// Trivy reads it as an unresolvable value and AWS-0096 does not fire.
func nullSQSKey(infra *state.State, modules terraform.Modules) {
	nulled := map[string]iacTypes.Metadata{}
	for _, b := range modules.GetResourcesByType("aws_sqs_queue") {
		if a := b.GetAttribute("kms_master_key_id"); a.IsNotNil() && isNull(a) {
			nulled[metaKey(b.GetMetadata())] = b.GetMetadata()
		}
	}
	for i := range infra.AWS.SQS.Queues {
		q := &infra.AWS.SQS.Queues[i]
		if meta, ok := nulled[metaKey(q.Metadata)]; ok {
			q.Encryption.KMSKeyID = iacTypes.StringDefault("", meta)
		}
	}
}

// auroraServerlessV1: an Aurora Serverless v1 cluster's storage is always
// encrypted (AWS does not offer it unencrypted), so AWS-0079's "storage
// not encrypted" does not apply; its customer-managed-key advice does.
func auroraServerlessV1(infra *state.State, modules terraform.Modules) {
	serverless := map[string]iacTypes.Metadata{}
	for _, b := range modules.GetResourcesByType("aws_rds_cluster") {
		if a := b.GetAttribute("engine_mode"); a.Equals("serverless") {
			serverless[metaKey(b.GetMetadata())] = a.GetMetadata()
		}
	}
	for i := range infra.AWS.RDS.Clusters {
		c := &infra.AWS.RDS.Clusters[i]
		if meta, ok := serverless[metaKey(c.Metadata)]; ok {
			c.Encryption.EncryptStorage = iacTypes.Bool(true, meta)
		}
	}
}

// asymmetricKMSKeys: asymmetric and HMAC KMS keys cannot have automatic
// rotation, but Trivy exempts only key_usage = "SIGN_VERIFY" from AWS-0065
// (an RSA ENCRYPT_DECRYPT or ECC KEY_AGREEMENT key was reported). The
// check is the only reader of these keys: they are left out of its input.
func asymmetricKMSKeys(infra *state.State, modules terraform.Modules) {
	fixed := map[string]bool{}
	for _, b := range modules.GetResourcesByType("aws_kms_key") {
		spec := b.GetAttribute("customer_master_key_spec")
		if spec.IsNotNil() && spec.IsResolvable() && !spec.Equals("SYMMETRIC_DEFAULT") {
			fixed[metaKey(b.GetMetadata())] = true
		}
	}
	if len(fixed) == 0 {
		return
	}
	infra.AWS.KMS.Keys = slices.DeleteFunc(infra.AWS.KMS.Keys, func(k kms.Key) bool { return fixed[metaKey(k.Metadata)] })
}

// orphanPublicAccessBlocks: Trivy evaluates a public access block only on
// a bucket of the same modules; one whose bucket is elsewhere (a variable,
// a data source) is dropped with its `false` settings. They are returned as
// buckets of their own.
func orphanPublicAccessBlocks(infra *state.State, modules terraform.Modules) []s3.Bucket {
	attached := map[string]bool{}
	for _, b := range infra.AWS.S3.Buckets {
		if b.PublicAccessBlock != nil {
			attached[metaKey(b.PublicAccessBlock.Metadata)] = true
		}
	}
	var out []s3.Bucket
	for _, b := range modules.GetResourcesByType("aws_s3_bucket_public_access_block") {
		meta := b.GetMetadata()
		if attached[metaKey(meta)] {
			continue
		}
		pab := s3.PublicAccessBlock{
			Metadata:              meta,
			BlockPublicACLs:       b.GetAttribute("block_public_acls").AsBoolValueOrDefault(false, b),
			BlockPublicPolicy:     b.GetAttribute("block_public_policy").AsBoolValueOrDefault(false, b),
			IgnorePublicACLs:      b.GetAttribute("ignore_public_acls").AsBoolValueOrDefault(false, b),
			RestrictPublicBuckets: b.GetAttribute("restrict_public_buckets").AsBoolValueOrDefault(false, b),
		}
		out = append(out, s3.Bucket{
			Metadata:          meta,
			Name:              b.GetAttribute("bucket").AsStringValueOrDefault("", b),
			PublicAccessBlock: &pab,
		})
	}
	return out
}

// isNull reports whether a is written as null. Trivy's evaluator turns a
// literal null into an unknown value, so the expression is what tells.
func isNull(a *terraform.Attribute) (null bool) {
	defer func() {
		if recover() != nil {
			null = false
		}
	}()
	ha := a.HCLAttribute()
	if ha == nil {
		return false
	}
	v, diags := ha.Expr.Value(nil)
	return !diags.HasErrors() && v.IsNull()
}

// objects returns the known object elements of a list, set or tuple.
func objects(v cty.Value) []cty.Value {
	if !v.IsKnown() || v.IsNull() || !(v.Type().IsListType() || v.Type().IsSetType() || v.Type().IsTupleType()) {
		return nil
	}
	var out []cty.Value
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsKnown() && !e.IsNull() && (e.Type().IsObjectType() || e.Type().IsMapType()) {
			out = append(out, e)
		}
	}
	return out
}

func field(obj cty.Value, name string) cty.Value {
	if obj.Type().IsObjectType() && !obj.Type().HasAttribute(name) {
		return cty.NilVal
	}
	if obj.Type().IsMapType() && !obj.HasIndex(cty.StringVal(name)).True() {
		return cty.NilVal
	}
	var v cty.Value
	if obj.Type().IsMapType() {
		v = obj.Index(cty.StringVal(name))
	} else {
		v = obj.GetAttr(name)
	}
	if !v.IsKnown() || v.IsNull() {
		return cty.NilVal
	}
	return v
}

func stringField(obj cty.Value, name string) string {
	v := field(obj, name)
	switch {
	case v == cty.NilVal:
		return ""
	case v.Type() == cty.String:
		return v.AsString()
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('f', -1)
	}
	return ""
}

func intField(obj cty.Value, name string) int {
	v := field(obj, name)
	if v == cty.NilVal {
		return -1
	}
	if v.Type() == cty.String {
		n, ok := new(big.Float).SetString(v.AsString())
		if !ok {
			return -1
		}
		i, _ := n.Int64()
		return int(i)
	}
	if v.Type() != cty.Number {
		return -1
	}
	i, _ := v.AsBigFloat().Int64()
	return int(i)
}
