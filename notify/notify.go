// Package notify posts one message per track run to a Slack incoming
// webhook (or any webhook taking {"text": ...}): the new, reopened and
// fixed findings, CRITICAL first, with the owners' mentions. Nothing is
// posted when nothing changed.
package notify

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/internal/loopback"
	"github.com/tfreview/tfreview/lifecycle"
)

// maxLines bounds the message: Slack truncates long texts, and a run that
// files a thousand tickets needs a count, not a thousand lines.
const maxLines = 40

// Message is the webhook body.
type Message struct {
	Text        string `json:"text"`
	UnfurlLinks bool   `json:"unfurl_links"`
	UnfurlMedia bool   `json:"unfurl_media"`
}

type line struct {
	sev  finding.Severity
	kind int // 0 new, 1 reopened, 2 fixed
	text string
}

// Build renders the plan's new, reopened and fixed groups; ok is false
// when there is none. tickets give the ticket links (Applied.Tickets).
// Every string from a finding is escaped for Slack (&, <, >) and put in a
// code span, so it can neither mention anyone nor make a link; mentions
// come only from the owners routing, which is validated.
func Build(p lifecycle.Plan, tickets map[string]lifecycle.Ticket, title string) (Message, bool) {
	var lines []line
	for _, c := range p.Changes {
		t := tickets[c.Key]
		switch c.Action {
		case lifecycle.Create, lifecycle.Reopen:
			g := c.Group
			kind, verb := 0, "New"
			if c.Action == lifecycle.Reopen {
				kind, verb = 1, "Reopened"
			}
			s := fmt.Sprintf("%s *%s* %s %s in %s", verb, g.Severity, code(g.RuleID), code(g.Title), code(cmp.Or(g.Resource, g.File)))
			if link := ticketLink(t); link != "" {
				s += " " + link
			}
			if m := mentions(g.Route.Mention); m != "" {
				s += " " + m
			}
			lines = append(lines, line{g.Severity, kind, s})
		case lifecycle.Close:
			s := "Fixed " + code(cmp.Or(c.Ticket.Title, c.Ticket.ID))
			if link := ticketLink(*c.Ticket); link != "" {
				s += " " + link
			}
			lines = append(lines, line{c.Ticket.Severity, 2, s})
		}
	}
	if len(lines) == 0 {
		return Message{}, false
	}
	slices.SortStableFunc(lines, func(a, b line) int { return cmp.Or(cmp.Compare(b.sev, a.sev), cmp.Compare(a.kind, b.kind)) })
	var b strings.Builder
	fmt.Fprintf(&b, "*%s*: %d new, %d reopened, %d fixed\n", escape(title), p.Count(lifecycle.Create), p.Count(lifecycle.Reopen), p.Count(lifecycle.Close))
	for i, l := range lines {
		if i == maxLines {
			fmt.Fprintf(&b, "… and %d more\n", len(lines)-i)
			break
		}
		b.WriteString("• " + l.text + "\n")
	}
	return Message{Text: b.String()}, true
}

func ticketLink(t lifecycle.Ticket) string {
	u, err := url.Parse(t.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" || strings.ContainsAny(t.URL, "<>|") {
		return ""
	}
	return "<" + t.URL + "|" + escape(cmp.Or(t.ID, "ticket")) + ">"
}

// mentions renders routed mentions: Slack's own forms as they are (the
// routing validated them), GitHub handles as plain text.
func mentions(ms []string) string {
	var out []string
	for _, m := range ms {
		if strings.HasPrefix(m, "<") {
			out = append(out, m)
		} else {
			out = append(out, escape(m))
		}
	}
	return strings.Join(out, " ")
}

// escape is Slack's rule for text: & < > as entities, which is all that
// can start a mention or a link.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// code shows untrusted text as code, one line, without backticks that
// could close the span.
func code(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '`':
			return '\''
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r < 0x20:
			return -1
		}
		return r
	}, s)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return ""
	}
	return "`" + escape(s) + "`"
}

// Post sends m to the webhook. The URL is a secret (it is the credential):
// it must be https (or loopback, for tests), and errors never repeat it.
func Post(ctx context.Context, hc *http.Client, webhook string, m Message) error {
	u, err := url.Parse(webhook)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && loopback.Host(u.Hostname()))) {
		return errors.New("notify: the webhook URL is not an https URL")
	}
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhook, bytes.NewReader(body))
	if err != nil {
		return errors.New("notify: bad webhook URL")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the URL
		}
		return fmt.Errorf("notify: post to %s: %w", u.Host, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("notify: %s answered %s", u.Host, resp.Status)
	}
	return nil
}
