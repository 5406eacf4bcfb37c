package newsince

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/scanner"
)

// benchRoots is the number of root modules of the generated repository.
const benchRoots = 50

// benchRoot is one root module: a handful of services, a variable with a
// default, tfvars, a local module call.
func benchRoot(i int) map[string]string {
	dir := fmt.Sprintf("live/r%02d", i)
	return map[string]string{
		dir + "/variables.tf": `variable "acl" {
  type    = string
  default = "private"
}

variable "instance_count" {
  type    = number
  default = 1
}
`,
		dir + "/terraform.tfvars": "instance_count = 2\n",
		dir + "/main.tf": fmt.Sprintf(`resource "aws_s3_bucket" "data" {
  bucket = "data-%[1]d"
}

resource "aws_s3_bucket_acl" "data" {
  bucket = aws_s3_bucket.data.id
  acl    = var.acl
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs-%[1]d"
}

resource "aws_security_group" "web" {
  description = "web %[1]d"
  ingress {
    description = "https"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}

resource "aws_instance" "web" {
  count         = var.instance_count
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
}

module "logs" {
  source = "../../modules/bucket"
  name   = "logs-%[1]d"
}
`, i),
	}
}

const benchModule = `variable "name" {
  type = string
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
`

// BenchmarkNewSince times `scan --new-since` against scanning both trees in
// full, on a repository of 50 root modules where a pull request changed a
// variable default in one. newsince-ms is the default run (only the
// affected root module scanned on both sides: git, checkout, both scans,
// matching), all-ms the run with --new-since-scan=all (the working tree in
// full), fullboth-ms two full scans; ns/op is the sum of the three.
//
//	go test ./newsince -run '^$' -bench NewSince -benchtime 3x
func BenchmarkNewSince(b *testing.B) {
	files := map[string]string{"modules/bucket/main.tf": benchModule}
	for i := 1; i <= benchRoots; i++ {
		for k, v := range benchRoot(i) {
			files[k] = v
		}
	}
	r := newRepo(b, files)
	r.branch()
	changed := fmt.Sprintf("live/r%02d/variables.tf", benchRoots/2)
	r.write(map[string]string{changed: strings.Replace(benchRoot(benchRoots / 2)[changed], `"private"`, `"public-read"`, 1)})
	r.commit("open one bucket")

	// The base as a second tree, for the full-scan comparison.
	baseTree := filepath.Join(b.TempDir(), "base")
	r.git("worktree", "add", "-q", "--detach", baseTree, "main")
	defer r.git("worktree", "remove", "--force", baseTree)

	ctx := context.Background()
	headOpts := scanOpts(r.dir)
	baseOpts := scanOpts(baseTree)
	// Compile the checks once, outside the timings, as a long-lived
	// process (or the first scan of a run) would have.
	if _, err := scanner.Scan(ctx, scanOpts(filepath.Join(r.dir, "modules"))); err != nil {
		b.Fatal(err)
	}

	var newSince, allHead, fullBoth time.Duration
	var introducedN, baseRoots, headRoots, unaffected int
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		rep, err := Compare(ctx, finding.Report{}, Options{Ref: "main", Scan: headOpts, ScanHead: func(ctx context.Context, only []string) (finding.Report, error) {
			o := headOpts
			o.OnlyRoots = only
			return scanner.Scan(ctx, o)
		}})
		if err != nil {
			b.Fatal(err)
		}
		newSince += time.Since(start)
		introducedN, baseRoots, headRoots, unaffected = rep.Comparison.Introduced, rep.Comparison.BaseRootModules, rep.Comparison.HeadRootModules, rep.Comparison.UnaffectedRootModules

		start = time.Now()
		head, err := scanner.Scan(ctx, headOpts)
		if err != nil {
			b.Fatal(err)
		}
		all, err := Compare(ctx, head, Options{Ref: "main", Scan: headOpts})
		if err != nil {
			b.Fatal(err)
		}
		allHead += time.Since(start)
		if all.Comparison.Introduced != 1 || all.Comparison.HeadRootModules != benchRoots {
			b.Fatalf("--new-since-scan=all: %+v", all.Comparison)
		}

		start = time.Now()
		if _, err := scanner.Scan(ctx, headOpts); err != nil {
			b.Fatal(err)
		}
		if _, err := scanner.Scan(ctx, baseOpts); err != nil {
			b.Fatal(err)
		}
		fullBoth += time.Since(start)
	}
	b.StopTimer()
	if introducedN != 1 || baseRoots != 1 || headRoots != 1 || unaffected != benchRoots-1 {
		b.Fatalf("introduced %d, root modules head %d base %d unaffected %d; want 1, 1, 1, %d", introducedN, headRoots, baseRoots, unaffected, benchRoots-1)
	}
	n := float64(b.N)
	b.ReportMetric(newSince.Seconds()*1000/n, "newsince-ms/op")
	b.ReportMetric(allHead.Seconds()*1000/n, "all-ms/op")
	b.ReportMetric(fullBoth.Seconds()*1000/n, "fullboth-ms/op")
	b.ReportMetric(newSince.Seconds()/fullBoth.Seconds(), "ratio")
	b.ReportMetric(allHead.Seconds()/fullBoth.Seconds(), "all-ratio")
}
