package github

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// runContext is what the reporters need from the Actions environment.
type runContext struct {
	Owner, Repo string
	// PR is the pull request number, 0 outside pull request events.
	PR      int
	HeadSHA string // the commit to comment on and to check
	BaseSHA string
	// Fork is true when the head repository differs from the base one.
	Fork bool
	// RepoHTMLURL is https://github.com/owner/repo (or the GHES address).
	RepoHTMLURL string
	EventName   string
	RunURL      string
}

// event is the part of $GITHUB_EVENT_PATH we read. pull_request and
// pull_request_target carry pull_request; check_suite carries a list.
type event struct {
	Number      int          `json:"number"`
	PullRequest *pullRequest `json:"pull_request"`
	CheckSuite  *struct {
		HeadSHA      string        `json:"head_sha"`
		PullRequests []pullRequest `json:"pull_requests"`
	} `json:"check_suite"`
	Repository struct {
		FullName string `json:"full_name"`
		HTMLURL  string `json:"html_url"`
	} `json:"repository"`
}

type pullRequest struct {
	Number int `json:"number"`
	Head   struct {
		SHA  string `json:"sha"`
		Repo *struct {
			FullName string `json:"full_name"`
		} `json:"repo"`
	} `json:"head"`
	Base struct {
		SHA  string `json:"sha"`
		Repo *struct {
			FullName string `json:"full_name"`
		} `json:"repo"`
	} `json:"base"`
}

// loadRunContext reads GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_SERVER_URL and
// the event payload. Outside Actions it returns what it can and no error;
// the caller decides what it needs.
func loadRunContext(env func(string) string) (runContext, error) {
	var rc runContext
	rc.EventName = env("GITHUB_EVENT_NAME")
	if owner, repo, ok := strings.Cut(env("GITHUB_REPOSITORY"), "/"); ok {
		rc.Owner, rc.Repo = owner, repo
	}
	rc.HeadSHA = env("GITHUB_SHA")
	var ev event
	if p := env("GITHUB_EVENT_PATH"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return rc, fmt.Errorf("read GITHUB_EVENT_PATH: %w", err)
		}
		if err := json.Unmarshal(b, &ev); err != nil {
			return rc, fmt.Errorf("parse GITHUB_EVENT_PATH: %w", err)
		}
	}
	if rc.Owner == "" {
		rc.Owner, rc.Repo, _ = strings.Cut(ev.Repository.FullName, "/")
	}
	pr := ev.PullRequest
	if pr == nil && ev.CheckSuite != nil && len(ev.CheckSuite.PullRequests) > 0 {
		pr = &ev.CheckSuite.PullRequests[0]
	}
	if pr != nil && pr.Number > 0 {
		rc.PR = pr.Number
		if pr.Head.SHA != "" {
			rc.HeadSHA = pr.Head.SHA
		}
		rc.BaseSHA = pr.Base.SHA
		if pr.Head.Repo == nil || pr.Base.Repo == nil || pr.Head.Repo.FullName != pr.Base.Repo.FullName {
			rc.Fork = true
		}
	} else if ev.CheckSuite != nil && ev.CheckSuite.HeadSHA != "" && rc.HeadSHA == "" {
		rc.HeadSHA = ev.CheckSuite.HeadSHA
	}
	server := strings.TrimSuffix(env("GITHUB_SERVER_URL"), "/")
	if server == "" {
		server = "https://github.com"
	}
	rc.RepoHTMLURL = ev.Repository.HTMLURL
	if rc.RepoHTMLURL == "" && rc.Owner != "" {
		rc.RepoHTMLURL = server + "/" + rc.Owner + "/" + rc.Repo
	}
	if id := env("GITHUB_RUN_ID"); id != "" && rc.RepoHTMLURL != "" {
		rc.RunURL = rc.RepoHTMLURL + "/actions/runs/" + id
	}
	return rc, nil
}
