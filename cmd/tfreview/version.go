package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/tfreview/tfreview/internal/trivyadapter"
)

// commit and date are set with -ldflags "-X main.commit=... -X main.date=..."
// by a release (.goreleaser.yaml), next to main.version in root.go.
var (
	commit = ""
	date   = ""
)

// buildStamp is what `tfreview version` says about this binary.
type buildStamp struct {
	Version, Commit, Date string
}

// currentBuild prefers the release's ldflags; without them (go install
// module@v1.2.3, go build from a clone) it falls back to what the Go
// toolchain recorded, so a binary never claims less than it knows.
func currentBuild() buildStamp {
	s := buildStamp{Version: version, Commit: commit, Date: date}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return s
	}
	if s.Version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		s.Version = info.Main.Version
	}
	fromVCS := s.Commit == ""
	for _, kv := range info.Settings {
		switch {
		case kv.Key == "vcs.revision" && fromVCS:
			s.Commit = kv.Value + s.Commit
		case kv.Key == "vcs.modified" && kv.Value == "true" && fromVCS:
			s.Commit += "-dirty"
		case kv.Key == "vcs.time" && s.Date == "":
			s.Date = kv.Value
		}
	}
	return s
}

// versionText is the output of `tfreview version`: the tag first (scripts
// read the first line), then where it was built from.
func versionText(s buildStamp) string {
	c, d := s.Commit, s.Date
	if c == "" {
		c = "unknown"
	}
	if d == "" {
		d = "unknown"
	}
	return fmt.Sprintf("tfreview %s\ncommit %s\nbuilt %s\ntrivy %s (embedded checks)\n%s %s/%s\n",
		s.Version, c, d, trivyadapter.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and commit of tfreview and the version of the embedded Trivy checks",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprint(stdout, versionText(currentBuild()))
			return nil
		},
	}
}
