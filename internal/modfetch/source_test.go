package modfetch

import (
	"errors"
	"testing"
)

func TestParseSource(t *testing.T) {
	ok := map[string]Source{
		"terraform-aws-modules/vpc/aws":                       {Kind: KindRegistry, Host: DefaultRegistry, Namespace: "terraform-aws-modules", Name: "vpc", Provider: "aws"},
		"app.terraform.io/acme/vpc/aws//modules/subnet":       {Kind: KindRegistry, Host: "app.terraform.io", Namespace: "acme", Name: "vpc", Provider: "aws", Subdir: "modules/subnet"},
		"127.0.0.1:8080/ns/name/aws":                          {Kind: KindRegistry, Host: "127.0.0.1:8080", Namespace: "ns", Name: "name", Provider: "aws"},
		"git::https://example.com/m.git//sub?ref=v1.2":        {Kind: KindGit, URL: "https://example.com/m.git", Ref: "v1.2", Subdir: "sub"},
		"git::ssh://git@example.com/m.git":                    {Kind: KindGit, URL: "ssh://git@example.com/m.git"},
		"git@github.com:acme/m.git?ref=main":                  {Kind: KindGit, URL: "git@github.com:acme/m.git", Ref: "main"},
		"github.com/acme/m//x":                                {Kind: KindGit, URL: "https://github.com/acme/m.git", Subdir: "x"},
		"https://example.com/m.tar.gz?checksum=sha256:" + sha: {Kind: KindArchive, URL: "https://example.com/m.tar.gz", Checksum: "sha256:" + sha},
		"https://example.com/get?archive=zip":                 {Kind: KindArchive, URL: "https://example.com/get"},
	}
	for raw, want := range ok {
		got, err := ParseSource(raw)
		if err != nil || got != want {
			t.Errorf("ParseSource(%q) = %+v, %v; want %+v", raw, got, err, want)
		}
	}
	unsupported := []string{"s3::https://s3.amazonaws.com/b/m.zip", "hg::https://example.com/m", "https://example.com/page", "bitbucket.org/a/b"}
	for _, raw := range unsupported {
		if _, err := ParseSource(raw); !errors.Is(err, ErrUnsupported) {
			t.Errorf("ParseSource(%q): err = %v, want unsupported", raw, err)
		}
	}
	invalid := []string{"git::ext::sh%20-c%20x", "./local", "../up", "/abs", "ns/name/aws//../../x", "git::https://example.com/m.git?ref=--upload-pack=x",
		"git::https://user:pw@example.com/m.git", "git::https://example.com/m.git?sshkey=AAAA", "git::-oProxyCommand=x:path", "https://example.com/m.zip?checksum=md5:abc"}
	for _, raw := range invalid {
		if _, err := ParseSource(raw); err == nil {
			t.Errorf("ParseSource(%q) accepted it", raw)
		}
	}
}

const sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
