// Command trivyscan runs Trivy's own Terraform scanner (terraform.Scanner
// .ScanFS with the embedded checks, offline) on a directory and prints the
// number of failed results. It is the peer tfreview is measured against in
// benchmarks. It lives in the bench module (bench/go.mod), so that
// `go install ./...` in the repository root builds only tfreview.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aquasecurity/trivy/pkg/iac/rego"
	"github.com/aquasecurity/trivy/pkg/iac/scanners/terraform"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: trivyscan DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	var tfvars []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (d.Name() == "terraform.tfvars" || strings.HasSuffix(d.Name(), ".auto.tfvars")) {
			rel, _ := filepath.Rel(dir, p)
			tfvars = append(tfvars, filepath.ToSlash(rel))
		}
		return nil
	})
	s := terraform.New(
		rego.WithEmbeddedPolicies(true),
		rego.WithEmbeddedLibraries(true),
		terraform.ScannerWithAllDirectories(true),
		terraform.ScannerWithDownloadsAllowed(false),
		terraform.ScannerWithTFVarsPaths(tfvars...),
	)
	res, err := s.ScanFS(context.Background(), os.DirFS(dir), ".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "trivyscan:", err)
		os.Exit(2)
	}
	fmt.Println(len(res.GetFailed()), "failed results")
}
