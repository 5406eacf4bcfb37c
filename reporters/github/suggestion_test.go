package github

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfreview/tfreview/reporters/review"
)

// TestHostileSuggestionLoneCRComment runs the reporter's reproduction end
// to end: the pull request's main.tf carries, in an HCL comment on the
// line the fix changes, a lone CR, a backtick fence and Markdown (a team
// mention, an issue reference, an image). GitHub treats the CR as a line
// break, so in a suggestion block it would close the fence and the rest
// would render in the bot's comment. The comment goes without the
// suggestion and points at `tfreview fix`; no raw CR reaches the body.
func TestHostileSuggestionLoneCRComment(t *testing.T) {
	h := newHarness(t)
	main := filepath.Join(h.dir, "main.tf")
	src, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	evil := "  acl    = \"public-read\" # \r```\r@octo-org/admins #1 ![x](http://evil.example/x.png)\r```"
	if err := os.WriteFile(main, []byte(strings.Replace(string(src), `  acl    = "public-read"`, evil, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	git := func(args ...string) string {
		out, err := exec.Command("git", append([]string{"-C", h.dir, "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	git("commit", "-qam", "evil comment")
	h.gh.Diff = git("diff", "--src-prefix=a/", "--dst-prefix=b/", "HEAD~2", "HEAD")

	if _, err := h.run(review.GitHubPRReview, Options{}, prReport(h.dir)); err != nil {
		t.Fatal(err)
	}
	rv := decode[sentReview](t, h.gh.RequestsTo("POST", "/reviews")[0].Body)
	var acl string
	for _, c := range rv.Comments {
		if c.Path == "main.tf" && c.Line == 3 {
			acl = c.Body
		}
	}
	if acl == "" {
		t.Fatalf("no comment on main.tf:3: %+v", rv.Comments)
	}
	if strings.Contains(acl, "```suggestion") || strings.Contains(acl, "\r") || strings.Contains(acl, "@octo-org/admins") {
		t.Errorf("comment carries the crafted line:\n%q", acl)
	}
	if !strings.Contains(acl, "`tfreview fix`") {
		t.Errorf("comment does not say a fix exists:\n%s", acl)
	}
}
