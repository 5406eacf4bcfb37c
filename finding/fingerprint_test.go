package finding

import (
	"encoding/hex"
	"testing"
)

// addressed is a finding on an attribute of a resource in root module
// live/prod, at line.
func addressed(rule, file, resource, attr string, line int) Finding {
	return Finding{
		RuleID: rule, Resource: resource, AttributePath: attr,
		Range: Range{File: file, Start: Position{Line: line, Column: 3}},
	}
}

// TestFingerprintOfIsPinned pins the definition byte for byte: every
// user's baseline file holds these values, so a change here breaks them
// all (docs/fingerprints.md). The expected values are
// sha256(parts joined by NUL)[:16] in hex, computed independently.
func TestFingerprintOfIsPinned(t *testing.T) {
	inModule := addressed("AWS-0086", "modules/logs/main.tf", `module.logs.aws_s3_bucket.this["a"]`, "acl", 3)
	inModule.CallSites = []CallSite{{Module: "module.logs", Range: Range{File: "live/prod/main.tf"}}}
	parse := Finding{RuleID: "TFR-PARSE", Message: "Invalid block definition", Range: Range{File: "live/prod/broken.tf", Start: Position{Line: 9}}}
	for _, tc := range []struct {
		name string
		f    Finding
		want string
	}{
		{"address, root module from the outermost call", inModule, "8a0b0986c2ccc16623648d2406fd2b84"},
		{"no address: rule, directory, attribute path, message", parse, "69011d83fbff83f7e655712c00905935"},
	} {
		if got := FingerprintOf(tc.f); got != tc.want {
			t.Errorf("%s: FingerprintOf = %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestFingerprintOf: what keeps a fingerprint and what changes it, as
// docs/fingerprints.md promises.
func TestFingerprintOf(t *testing.T) {
	base := addressed("AWS-0086", "live/prod/main.tf", `aws_s3_bucket.logs["a"]`, "acl", 10)
	parse := Finding{RuleID: "TFR-PARSE", Message: "Invalid block", Range: Range{File: "live/prod/broken.tf", Start: Position{Line: 9}}}
	with := func(f Finding, edit func(*Finding)) Finding {
		f.CallSites = append([]CallSite(nil), f.CallSites...)
		edit(&f)
		return f
	}
	for _, tc := range []struct {
		name string
		a, b Finding
		same bool
	}{
		{"lines moved", base, with(base, func(f *Finding) { f.Range.Start.Line = 200; f.Range.Start.Column = 9 }), true},
		{"resource moved to another file of the module", base, with(base, func(f *Finding) { f.Range.File = "live/prod/storage.tf" }), true},
		{"message reworded on an addressed finding", base, with(base, func(f *Finding) { f.Message = "now ::/0" }), true},
		{"another rule", base, with(base, func(f *Finding) { f.RuleID = "AWS-0087" }), false},
		{"another resource", base, with(base, func(f *Finding) { f.Resource = `aws_s3_bucket.data["a"]` }), false},
		{"another instance key", base, with(base, func(f *Finding) { f.Resource = `aws_s3_bucket.logs["b"]` }), false},
		{"another attribute", base, with(base, func(f *Finding) { f.AttributePath = "versioning" }), false},
		{"same address in another root module", base, with(base, func(f *Finding) { f.Range.File = "live/dev/main.tf" }), false},
		{"reached through another root module's call", base, with(base, func(f *Finding) {
			f.CallSites = []CallSite{{Module: "module.x", Range: Range{File: "live/dev/main.tf"}}}
		}), false},
		{"no address: line moved", parse, with(parse, func(f *Finding) { f.Range.Start.Line = 40 }), true},
		{"no address: file renamed in its directory", parse, with(parse, func(f *Finding) { f.Range.File = "live/prod/fixed.tf" }), true},
		{"no address: another message", parse, with(parse, func(f *Finding) { f.Message = "Unclosed brace" }), false},
		{"no address: another directory", parse, with(parse, func(f *Finding) { f.Range.File = "live/dev/broken.tf" }), false},
	} {
		a, b := FingerprintOf(tc.a), FingerprintOf(tc.b)
		if (a == b) != tc.same {
			t.Errorf("%s: same fingerprint = %v, want %v (%s, %s)", tc.name, a == b, tc.same, a, b)
		}
	}
}

// TestFingerprintsTellEqualKeysApartByOrder: two findings with one
// FingerprintOf (two egress blocks of one security group) get -2, -3 in
// report order, whatever order they come in, and a finding moving with
// its block keeps its suffix.
func TestFingerprintsTellEqualKeysApartByOrder(t *testing.T) {
	egress := func(line int) Finding {
		return addressed("AWS-0104", "live/prod/sg.tf", "aws_security_group.web", "egress.cidr_blocks", line)
	}
	other := addressed("AWS-0086", "live/prod/main.tf", "aws_s3_bucket.logs", "acl", 1)
	plain := FingerprintOf(egress(0))

	fs := []Finding{egress(30), other, egress(10), egress(20)}
	got := Fingerprints(fs)
	want := []string{plain + "-3", FingerprintOf(other), plain, plain + "-2"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Fingerprints[%d] (line %d) = %s, want %s", i, fs[i].Range.Start.Line, got[i], want[i])
		}
	}

	// Lines added above both blocks: the same fingerprints.
	moved := Fingerprints([]Finding{egress(15), egress(25), egress(35)})
	if moved[0] != plain || moved[1] != plain+"-2" || moved[2] != plain+"-3" {
		t.Errorf("after a line move: %v", moved)
	}

	AssignFingerprints(fs)
	for i, f := range fs {
		if i > 0 && Compare(fs[i-1], f) > 0 {
			t.Fatalf("AssignFingerprints did not sort: %v", fs)
		}
	}
	if fs[0].Fingerprint != FingerprintOf(other) || fs[1].Fingerprint != plain || fs[3].Fingerprint != plain+"-3" {
		t.Errorf("AssignFingerprints: %s %s %s %s", fs[0].Fingerprint, fs[1].Fingerprint, fs[2].Fingerprint, fs[3].Fingerprint)
	}
}

// FuzzFingerprint: deterministic, 32 hex digits, any change of substance
// changes it and no line move does.
func FuzzFingerprint(f *testing.F) {
	f.Add("AWS-0086", "main.tf", "module.a.aws_s3_bucket.b", "acl", "msg", 3)
	f.Add("TFR-PARSE", "x/y.tf", "", "", "Invalid block", 1)
	f.Fuzz(func(t *testing.T, rule, file, resource, attr, msg string, line int) {
		fd := Finding{RuleID: rule, Resource: resource, AttributePath: attr, Message: msg, Range: Range{File: file, Start: Position{Line: line}}}
		a := FingerprintOf(fd)
		if a != FingerprintOf(fd) {
			t.Fatal("not deterministic")
		}
		if _, err := hex.DecodeString(a); err != nil || len(a) != 32 {
			t.Fatalf("fingerprint %q is not 32 hex digits", a)
		}
		other := fd
		other.RuleID += "x"
		if FingerprintOf(other) == a {
			t.Fatal("another rule, same fingerprint")
		}
		moved := fd
		moved.Range.Start.Line++
		if FingerprintOf(moved) != a {
			t.Fatal("a line move changed the fingerprint")
		}
		if resource == "" {
			reworded := fd
			reworded.Message += "!"
			if FingerprintOf(reworded) == a {
				t.Fatal("another message, same fingerprint of an unaddressed finding")
			}
		}
	})
}
