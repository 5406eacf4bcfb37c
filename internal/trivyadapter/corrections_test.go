package trivyadapter_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/trivyadapter"
)

var awsEngine = sync.OnceValues(func() (*trivyadapter.Engine, error) {
	return trivyadapter.NewEngine(trivyadapter.EngineOptions{Providers: []string{"aws"}})
})

// scanMiss runs Trivy's checks on testdata/trivy-misses/<name>.
func scanMiss(t *testing.T, name string) []finding.Finding {
	t.Helper()
	ctx := context.Background()
	root, err := trivyadapter.LoadRoot(ctx, os.DirFS(filepath.Join("..", "..", "testdata", "trivy-misses", name)), ".", nil, trivyadapter.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := awsEngine()
	if err != nil {
		t.Fatal(err)
	}
	found, err := e.Scan(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// lines returns the start lines of rule's findings on resource with a
// message containing msg.
func lines(fs []finding.Finding, rule, resource, msg string) []int {
	var out []int
	for _, f := range fs {
		if f.RuleID == rule && f.Resource == resource && strings.Contains(f.Message, msg) {
			out = append(out, f.Range.Start.Line)
		}
	}
	return out
}

func wantLines(t *testing.T, fs []finding.Finding, rule, resource, msg string, want ...int) {
	t.Helper()
	got := lines(fs, rule, resource, msg)
	if len(got) != len(want) {
		t.Fatalf("%s on %s (%q): lines %v, want %v", rule, resource, msg, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s on %s (%q): lines %v, want %v", rule, resource, msg, got, want)
		}
	}
}

// TestMissNetworkACLInlineIngressBlock: SSH from 0.0.0.0/0 in an inline
// ingress block of aws_network_acl is AWS-0105, at its cidr_block.
func TestMissNetworkACLInlineIngressBlock(t *testing.T) {
	wantLines(t, scanMiss(t, "nacl-inline"), "AWS-0105", "aws_network_acl.public", "", 12)
}

// TestMissNetworkACLIngressAttributeList: the same for RDP written as an
// `ingress = [{...}]` attribute list (at the attribute).
func TestMissNetworkACLIngressAttributeList(t *testing.T) {
	wantLines(t, scanMiss(t, "nacl-attr"), "AWS-0105", "aws_network_acl.public", "", 8)
}

// TestMissS3ACLGrantToAllUsers: access_control_policy grants to AllUsers
// and AuthenticatedUsers are AWS-0092, at the grantee's uri.
func TestMissS3ACLGrantToAllUsers(t *testing.T) {
	fs := scanMiss(t, "s3-acl-grant")
	wantLines(t, fs, "AWS-0092", "aws_s3_bucket_acl.site", "public ACL", 12)
	wantLines(t, fs, "AWS-0092", "aws_s3_bucket_acl.partners", "all AWS accounts", 34)
}

// TestMissPublicAccessBlockOutsideModule: a public access block of a
// bucket created elsewhere has its four false settings reported, and
// nothing about the bucket itself (not here) is.
func TestMissPublicAccessBlockOutsideModule(t *testing.T) {
	fs := scanMiss(t, "pab-outside")
	const r = "aws_s3_bucket_public_access_block.shared"
	wantLines(t, fs, "AWS-0086", r, "", 9)
	wantLines(t, fs, "AWS-0087", r, "", 10)
	wantLines(t, fs, "AWS-0091", r, "", 11)
	wantLines(t, fs, "AWS-0093", r, "", 12)
	if len(fs) != 4 {
		t.Errorf("got %d findings, want the 4 settings only: %v", len(fs), fs)
	}
}

// TestMissVersioningMFADeleteWithoutEnabled: `versioning { mfa_delete =
// true }` leaves versioning off (the provider's default): AWS-0090.
func TestMissVersioningMFADeleteWithoutEnabled(t *testing.T) {
	wantLines(t, scanMiss(t, "versioning-mfa"), "AWS-0090", "aws_s3_bucket.data", "", 4)
}

// TestMissSQSNullKMSKey: kms_master_key_id = null is the attribute omitted:
// AWS-0096 (sqs_managed_sse_enabled is false too).
func TestMissSQSNullKMSKey(t *testing.T) {
	wantLines(t, scanMiss(t, "sqs-null-kms"), "AWS-0096", "aws_sqs_queue.jobs", "", 1)
}

// TestMissALBRedirectToHTTP: an HTTP listener whose redirect goes to HTTP
// is AWS-0054; Trivy exempted every redirect.
func TestMissALBRedirectToHTTP(t *testing.T) {
	wantLines(t, scanMiss(t, "alb-redirect-http"), "AWS-0054", "aws_lb_listener.http", "", 8)
}

// TestMissAuroraServerlessV1NotUnencrypted: Aurora Serverless v1 storage
// is always encrypted: no "storage encryption" finding (the customer
// managed key advice of the same check stays, as for any encrypted
// cluster without kms_key_id).
func TestMissAuroraServerlessV1NotUnencrypted(t *testing.T) {
	wantLines(t, scanMiss(t, "aurora-serverless"), "AWS-0079", "aws_rds_cluster.app", "storage encryption enabled")
}

// TestMissKMSAsymmetricKeyNoRotation: asymmetric keys cannot rotate and
// are not reported for it whatever their usage; a symmetric key still is.
func TestMissKMSAsymmetricKeyNoRotation(t *testing.T) {
	fs := scanMiss(t, "kms-asymmetric")
	wantLines(t, fs, "AWS-0065", "aws_kms_key.rsa_encrypt", "")
	wantLines(t, fs, "AWS-0065", "aws_kms_key.ecc_agreement", "")
	wantLines(t, fs, "AWS-0065", "aws_kms_key.data", "", 17)
}
