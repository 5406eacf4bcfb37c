package installtest

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type goreleaserConfig struct {
	Version int `yaml:"version"`
	Builds  []struct {
		Main    string   `yaml:"main"`
		Binary  string   `yaml:"binary"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Ldflags []string `yaml:"ldflags"`
		Env     []string `yaml:"env"`
	} `yaml:"builds"`
	Archives []struct {
		NameTemplate    string   `yaml:"name_template"`
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
	} `yaml:"checksum"`
	SBOMs []struct {
		Artifacts string `yaml:"artifacts"`
	} `yaml:"sboms"`
	Signs []struct {
		Cmd       string   `yaml:"cmd"`
		Artifacts string   `yaml:"artifacts"`
		Signature string   `yaml:"signature"`
		Args      []string `yaml:"args"`
	} `yaml:"signs"`
	DockersV2 []struct {
		Dockerfile string   `yaml:"dockerfile"`
		Images     []string `yaml:"images"`
		Tags       []string `yaml:"tags"`
		Platforms  []string `yaml:"platforms"`
	} `yaml:"dockers_v2"`
}

// TestGoreleaserConfigMakesWhatInstallersExpect: what scripts/install.sh,
// action.yml and the pre-commit docker hook download must be what the
// release makes. `goreleaser check` (in .ci/run) validates the schema; this
// pins the promises.
func TestGoreleaserConfigMakesWhatInstallersExpect(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c goreleaserConfig
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if c.Version != 2 || len(c.Builds) != 1 || len(c.Archives) != 1 || len(c.Signs) != 1 || len(c.DockersV2) != 1 || len(c.SBOMs) != 1 {
		t.Fatalf("want one build, archive, sign, dockers_v2 and sbom entry in a version 2 config: %+v", c)
	}
	bd := c.Builds[0]
	if bd.Main != "./cmd/tfreview" || bd.Binary != "tfreview" || !slices.Contains(bd.Env, "CGO_ENABLED=0") {
		t.Errorf("build: %+v", bd)
	}
	if !slices.Equal(bd.Goos, []string{"linux", "darwin", "windows"}) || !slices.Equal(bd.Goarch, []string{"amd64", "arm64"}) {
		t.Errorf("targets %v × %v", bd.Goos, bd.Goarch)
	}
	ld := strings.Join(bd.Ldflags, " ")
	for _, want := range []string{"-X main.version=v{{ .Version }}", "-X main.commit={{ .FullCommit }}", "-X main.date={{ .CommitDate }}"} {
		if !strings.Contains(ld, want) {
			t.Errorf("ldflags %q lack %q", ld, want)
		}
	}
	ar := c.Archives[0]
	// scripts/install.sh: "tfreview_${VERSION#v}_${OS}_${ARCH}.$EXT".
	if ar.NameTemplate != "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}" || !slices.Equal(ar.Formats, []string{"tar.gz"}) ||
		len(ar.FormatOverrides) != 1 || ar.FormatOverrides[0].Goos != "windows" || !slices.Equal(ar.FormatOverrides[0].Formats, []string{"zip"}) {
		t.Errorf("archive names or formats changed; scripts/install.sh builds them: %+v", ar)
	}
	if c.Checksum.NameTemplate != "checksums.txt" || c.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum: %+v", c.Checksum)
	}
	if c.SBOMs[0].Artifacts != "archive" {
		t.Errorf("sboms: %+v", c.SBOMs)
	}
	sg := c.Signs[0]
	if sg.Cmd != "cosign" || sg.Artifacts != "checksum" || sg.Signature != "${artifact}.sigstore.json" || !slices.Contains(sg.Args, "--bundle=${signature}") || slices.ContainsFunc(sg.Args, func(a string) bool { return strings.Contains(a, "--key") }) {
		t.Errorf("signs: want keyless cosign over checksums.txt into checksums.txt.sigstore.json (scripts/install.sh verifies it): %+v", sg)
	}
	dk := c.DockersV2[0]
	if dk.Dockerfile != "Dockerfile.release" || !slices.Equal(dk.Images, []string{"ghcr.io/tfreview/tfreview"}) || !slices.Equal(dk.Platforms, []string{"linux/amd64", "linux/arm64"}) {
		t.Errorf("dockers_v2: %+v", dk)
	}
	if !slices.Contains(dk.Tags, "{{ if not .Prerelease }}v{{ .Major }}{{ end }}") {
		t.Errorf("the image is not tagged with the major version the pre-commit hook uses: %v", dk.Tags)
	}
}

var fromRE = regexp.MustCompile(`(?m)^FROM\s+(\S+)`)
var pinnedImageRE = regexp.MustCompile(`^[a-z0-9./-]+:[\w.-]+@sha256:[0-9a-f]{64}$`)

// TestDockerfilesPinBasesAndDropRoot: every base image is pinned by digest
// (a tag can be re-pointed), the file says how to bump it, and the image
// runs as a non-root user.
func TestDockerfilesPinBasesAndDropRoot(t *testing.T) {
	for _, name := range []string{"Dockerfile", "Dockerfile.release"} {
		b, err := os.ReadFile(filepath.Join(repoRoot, name))
		if err != nil {
			t.Fatal(err)
		}
		froms := fromRE.FindAllStringSubmatch(string(b), -1)
		if len(froms) == 0 {
			t.Fatalf("%s: no FROM", name)
		}
		for _, m := range froms {
			if !pinnedImageRE.MatchString(m[1]) {
				t.Errorf("%s: FROM %s is not pinned by digest", name, m[1])
			}
		}
		if !strings.Contains(string(b), "docker buildx imagetools inspect") && !strings.Contains(string(b), "crane digest") {
			t.Errorf("%s does not say how to bump its digests", name)
		}
		users := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindAllStringSubmatch(string(b), -1)
		if len(users) == 0 || strings.HasPrefix(users[len(users)-1][1], "0") || strings.HasPrefix(users[len(users)-1][1], "root") {
			t.Errorf("%s: the image runs as root (USER %v)", name, users)
		}
	}
	if !pinnedImageRE.MatchString("alpine:3.22@sha256:"+strings.Repeat("a", 64)) || pinnedImageRE.MatchString("alpine:3.22") {
		t.Error("the digest check cannot tell pinned from unpinned")
	}
}

// TestPreCommitHooks: the Go hook keeps its entry (the "--" is a security
// fix: staged file names are never flags); the docker_image hook runs the
// released image with the same arguments.
func TestPreCommitHooks(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID, Language, Entry, Files string
		PassFilenames              bool `yaml:"pass_filenames"`
	}
	if err := yaml.Unmarshal(b, &hooks); err != nil {
		t.Fatal(err)
	}
	byID := map[string]int{}
	for i, h := range hooks {
		byID[h.ID] = i
	}
	goHook, ok := byID["tfreview"]
	if !ok || hooks[goHook].Language != "golang" || hooks[goHook].Entry != "tfreview scan --reporter local --fail-on HIGH --" {
		t.Errorf("the golang hook changed: %+v", hooks)
	}
	dh, ok := byID["tfreview-docker"]
	if !ok {
		t.Fatal("no tfreview-docker hook")
	}
	d := hooks[dh]
	image, args, _ := strings.Cut(d.Entry, " ")
	if d.Language != "docker_image" || image != "ghcr.io/tfreview/tfreview:v1" || args != "scan --reporter local --fail-on HIGH --" || d.Files != hooks[goHook].Files || !d.PassFilenames {
		t.Errorf("tfreview-docker hook: %+v", d)
	}
}
