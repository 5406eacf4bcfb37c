package formatters

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/tfreview/tfreview/finding"
)

// pos is a line-and-byte-column position; byteOff is the 0-based offset.
func pos(line, col, byteOff int) finding.Position {
	return finding.Position{Line: line, Column: col, Byte: byteOff}
}

// lines is a Trivy-style line-only range: no columns, no byte offsets.
func lines(file string, from, to int) finding.Range {
	return finding.Range{File: file, Start: finding.Position{Line: from, Byte: -1}, End: finding.Position{Line: to, Byte: -1}}
}

const (
	mainTF    = "main.tf"
	storageTF = "modules/storage/main.tf"
)

// testReport is the one fixed report every golden file is made from. It
// covers two files, multibyte text in messages and source lines, Trivy
// line-only ranges, built-in findings with byte columns and fixes, a
// suppressed finding, an expired ignore, call sites through a module,
// notes with and without a location, and a rule missing from Rules.
// The source files are under testdata/src; TestFixtureColumns checks that
// the columns below point at the text they claim to.
func testReport(t testing.TB) finding.Report {
	root, err := filepath.Abs(filepath.Join("testdata", "src"))
	if err != nil {
		t.Fatal(err)
	}
	storageCall := []finding.CallSite{{Module: "module.storage", Range: lines(mainTF, 2, 5)}}
	return finding.Report{
		Tool:    finding.Tool{Name: "tfreview", Version: "1.0.0-test", URI: "https://github.com/tfreview/tfreview"},
		Root:    root,
		Sources: readSources(t, root),
		Findings: []finding.Finding{
			{
				RuleID:        "AWS-0099",
				Aliases:       []string{"AVD-AWS-0099", "aws-ec2-add-description-to-security-group"},
				Engine:        finding.EngineTrivy,
				Severity:      finding.SeverityLow,
				Title:         "Missing description for security group.",
				Message:       "Security group does not have a description.",
				Resolution:    "Add descriptions for all security groups",
				References:    []string{"https://avd.aquasec.com/misconfig/avd-aws-0099"},
				Provider:      "aws",
				Service:       "ec2",
				Range:         lines(mainTF, 8, 11),
				Resource:      "aws_security_group.web",
				AttributePath: "description",
				Fingerprint:   "5c0b1cb1d1e4b0f9a4f3a0b2c8e7d6a1",
				ExpiredIgnore: &finding.Suppression{
					Kind:    "tfreview",
					Reason:  "description is being written",
					Expires: "2024-01-31",
					Range:   lines(mainTF, 7, 7),
				},
			},
			{
				RuleID:        "TFR-NET-001",
				Aliases:       []string{"ingress-open-to-world"},
				Engine:        finding.EngineBuiltin,
				Severity:      finding.SeverityCritical,
				Title:         "Security group ingress is open to the internet",
				Message:       `Ingress "SSH — café" allows 0.0.0.0/0 on port 22.`,
				Resolution:    "Restrict cidr_blocks to the networks that need access.",
				References:    []string{"https://github.com/tfreview/tfreview/blob/main/docs/checks/TFR-NET-001.md"},
				Provider:      "aws",
				Service:       "ec2",
				Range:         finding.Range{File: mainTF, Start: pos(10, 109, 351), End: pos(10, 122, 364)},
				Resource:      "aws_security_group.web",
				AttributePath: "ingress[0].cidr_blocks",
				Fingerprint:   "9f1d3a5e7b2c4d6f8a0b1c2d3e4f5a6b",
				Fix: &finding.Fix{
					Description: "Replace 0.0.0.0/0 with the private range 10.0.0.0/8",
					Edits: []finding.TextEdit{{
						Range:   finding.Range{File: mainTF, Start: pos(10, 110, 352), End: pos(10, 121, 363)},
						NewText: `"10.0.0.0/8"`,
					}},
				},
			},
			{
				RuleID:      "AWS-0089",
				Aliases:     []string{"AVD-AWS-0089"},
				Engine:      finding.EngineTrivy,
				Severity:    finding.SeverityLow,
				Title:       "S3 Bucket Logging",
				Message:     "Bucket has logging disabled",
				References:  []string{"https://avd.aquasec.com/misconfig/avd-aws-0089"},
				Provider:    "aws",
				Service:     "s3",
				Range:       lines(mainTF, 14, 16),
				Resource:    "aws_s3_bucket.menu_photos",
				Fingerprint: "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
				Suppressed: &finding.Suppression{
					Kind:   "trivy",
					Reason: "logging is centralised in the audit account",
					Range:  lines(mainTF, 13, 13),
				},
			},
			{
				RuleID:      "AWS-0088",
				Aliases:     []string{"AVD-AWS-0088", "aws-s3-enable-bucket-encryption"},
				Engine:      finding.EngineTrivy,
				Severity:    finding.SeverityHigh,
				Title:       "Unencrypted S3 bucket.",
				Message:     `Bucket "café-menu-日本" does not have encryption enabled`,
				Resolution:  "Configure bucket encryption",
				References:  []string{"https://avd.aquasec.com/misconfig/avd-aws-0088"},
				Provider:    "aws",
				Service:     "s3",
				Range:       lines(storageTF, 5, 7),
				Resource:    "module.storage.aws_s3_bucket.this",
				CallSites:   storageCall,
				Fingerprint: "77e2c1f0a9b8c7d6e5f4a3b2c1d0e9f8",
				NoFixReason: "encryption is configured by a separate resource",
			},
			{
				RuleID:        "TFR-S3-001",
				Aliases:       []string{"s3-block-public-acls"},
				Engine:        finding.EngineBuiltin,
				Severity:      finding.SeverityMedium,
				Title:         "S3 public access block allows public ACLs",
				Message:       "block_public_acls is false, so objects can be made public with an ACL.",
				Resolution:    "Set block_public_acls = true.",
				References:    []string{"https://github.com/tfreview/tfreview/blob/main/docs/checks/TFR-S3-001.md"},
				Provider:      "aws",
				Service:       "s3",
				Range:         finding.Range{File: storageTF, Start: pos(11, 25, 230), End: pos(11, 30, 235)},
				Resource:      "module.storage.aws_s3_bucket_public_access_block.this",
				AttributePath: "block_public_acls",
				CallSites:     storageCall,
				Fingerprint:   "3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b",
				Fix: &finding.Fix{
					Description: "Set block_public_acls = true",
					Edits: []finding.TextEdit{{
						Range:   finding.Range{File: storageTF, Start: pos(11, 25, 230), End: pos(11, 30, 235)},
						NewText: "true",
					}},
				},
			},
		},
		Notes: []finding.Note{
			{
				Kind:    finding.NoteModuleNotLoaded,
				Message: `module "network" (git::https://example.com/network.git?ref=v1.2.0) is not downloaded; run "terraform init" to check it`,
				Range:   lines(mainTF, 18, 20),
			},
			{
				Kind:    finding.NoteVariableUnset,
				Message: `variable "region" has no value and no default; checks that read it were skipped`,
			},
		},
		Stats: finding.Stats{Files: 2, RootModules: 1, Resources: 4, ChecksRun: 312, Engines: []string{"builtin", "trivy"}, Filtered: 1},
		Rules: []finding.RuleInfo{
			{ID: "AWS-0088", Aliases: []string{"AVD-AWS-0088", "aws-s3-enable-bucket-encryption"}, Engine: finding.EngineTrivy, Severity: finding.SeverityHigh,
				Title: "Unencrypted S3 bucket.", Description: "S3 Buckets should be encrypted to protect the data that is stored within them if access is compromised.",
				Resolution: "Configure bucket encryption", References: []string{"https://avd.aquasec.com/misconfig/avd-aws-0088"}, Provider: "aws", Service: "s3"},
			{ID: "AWS-0099", Aliases: []string{"AVD-AWS-0099", "aws-ec2-add-description-to-security-group"}, Engine: finding.EngineTrivy, Severity: finding.SeverityLow,
				Title: "Missing description for security group.", Description: "Security groups should include a description for auditing purposes.",
				Resolution: "Add descriptions for all security groups", References: []string{"https://avd.aquasec.com/misconfig/avd-aws-0099"}, Provider: "aws", Service: "ec2"},
			{ID: "TFR-NET-001", Aliases: []string{"ingress-open-to-world"}, Engine: finding.EngineBuiltin, Severity: finding.SeverityCritical,
				Title: "Security group ingress is open to the internet", Description: "An ingress rule that allows 0.0.0.0/0 or ::/0 exposes the port to every host on the internet.",
				Resolution: "Restrict cidr_blocks to the networks that need access.", References: []string{"https://github.com/tfreview/tfreview/blob/main/docs/checks/TFR-NET-001.md"},
				Provider: "aws", Service: "ec2", Fixable: true},
			{ID: "TFR-S3-001", Aliases: []string{"s3-block-public-acls"}, Engine: finding.EngineBuiltin, Severity: finding.SeverityMedium,
				Title: "S3 public access block allows public ACLs", Description: "With block_public_acls off, anyone with write access can make objects public through an ACL.",
				Resolution: "Set block_public_acls = true.", References: []string{"https://github.com/tfreview/tfreview/blob/main/docs/checks/TFR-S3-001.md"},
				Provider: "aws", Service: "s3", Fixable: true},
			// AWS-0089 is left out on purpose: formatters fall back to the
			// finding's own metadata.
		},
	}
}

// readSources reads every file under root into a Report.Sources map, as
// the scanner hands them over: slash paths relative to root.
func readSources(t testing.TB, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
