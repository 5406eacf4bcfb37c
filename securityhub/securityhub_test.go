package securityhub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sh "github.com/aws/aws-sdk-go-v2/service/securityhub"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/formatters"
	"github.com/tfreview/tfreview/securityhub"
)

const secret = "test-secret-access-key"

// hub is a loopback stand-in for Security Hub's BatchImportFindings and
// GetFindings, keeping findings by Id.
type hub struct {
	mu       sync.Mutex
	findings map[string]map[string]any
	order    []string
	imports  []int // findings per BatchImportFindings request
	gets     int
	auth     []string
}

func (h *hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.auth = append(h.auth, r.Header.Get("Authorization"))
	var body map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == "POST" && r.URL.Path == "/findings/import":
		var fs []map[string]any
		_ = json.Unmarshal(body["Findings"], &fs)
		h.imports = append(h.imports, len(fs))
		for _, f := range fs {
			id := f["Id"].(string)
			if _, ok := h.findings[id]; !ok {
				h.order = append(h.order, id)
			}
			h.findings[id] = f
		}
		fmt.Fprintf(w, `{"FailedCount":0,"SuccessCount":%d,"FailedFindings":[]}`, len(fs))
	case r.Method == "POST" && r.URL.Path == "/findings":
		h.gets++
		var filters struct {
			ProductFields []struct{ Key, Value string }
			RecordState   []struct{ Value string }
		}
		_ = json.Unmarshal(body["Filters"], &filters)
		var match []map[string]any
		for _, id := range h.order {
			f := h.findings[id]
			pf, _ := f["ProductFields"].(map[string]any)
			if f["RecordState"] == filters.RecordState[0].Value && pf[filters.ProductFields[0].Key] == filters.ProductFields[0].Value {
				match = append(match, f)
			}
		}
		start := 0
		if raw, ok := body["NextToken"]; ok {
			var tok string
			_ = json.Unmarshal(raw, &tok)
			start, _ = strconv.Atoi(tok)
		}
		end := min(start+100, len(match))
		out := map[string]any{"Findings": match[start:end]}
		if end < len(match) {
			out["NextToken"] = strconv.Itoa(end)
		}
		_ = json.NewEncoder(w).Encode(out)
	default:
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, 404)
	}
}

func (h *hub) state() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for _, f := range h.findings {
		out[f["RecordState"].(string)]++
	}
	return out
}

func report(n int) finding.Report {
	var fs []finding.Finding
	for i := range n {
		fs = append(fs, finding.Finding{RuleID: "AVD-AWS-0086", Severity: finding.SeverityHigh, Title: "S3 public access", Message: "bucket is public",
			Resource: fmt.Sprintf("aws_s3_bucket.b%d", i), Range: finding.Range{File: "s3.tf", Start: finding.Position{Line: i + 1}}})
	}
	finding.AssignFingerprints(fs)
	return finding.Report{Findings: fs}
}

// TestSecurityHubSync imports in batches of 100 through the real SDK
// pointed at a loopback endpoint, then archives exactly the findings that
// are gone and keeps the CreatedAt of the others.
func TestSecurityHubSync(t *testing.T) {
	h := &hub{findings: map[string]map[string]any{}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("eu-central-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", secret, "")),
	)
	if err != nil {
		t.Fatal(err)
	}
	cli := sh.NewFromConfig(cfg, func(o *sh.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	target := formatters.ASFFTarget{Account: "123456789012", Region: "eu-central-1", Repository: "acme/infra", Commit: "c1", Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	im := securityhub.Importer{API: cli, Target: target}

	res, err := im.Sync(context.Background(), report(250))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(h.imports) != "[100 100 50]" || res.Imported != 250 || res.Archived != 0 {
		t.Errorf("first sync: batches %v, %+v", h.imports, res)
	}
	h.imports = nil

	im.Target.Now = time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)
	rep := report(250)
	rep.Findings = rep.Findings[:240] // ten fixed
	res, err = im.Sync(context.Background(), rep)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.state(); got["ACTIVE"] != 240 || got["ARCHIVED"] != 10 {
		t.Errorf("after fixing ten: %v", got)
	}
	if fmt.Sprint(h.imports) != "[100 100 40 10]" || res.Archived != 10 {
		t.Errorf("second sync: batches %v, %+v", h.imports, res)
	}
	h.mu.Lock()
	for _, f := range h.findings {
		if f["RecordState"] == "ACTIVE" && !strings.HasPrefix(f["CreatedAt"].(string), "2026-11-01") {
			t.Errorf("CreatedAt of a kept finding moved to %v", f["CreatedAt"])
		}
		if f["RecordState"] == "ARCHIVED" && !strings.HasPrefix(f["UpdatedAt"].(string), "2026-11-08") {
			t.Errorf("archived finding UpdatedAt %v", f["UpdatedAt"])
		}
	}
	for _, a := range h.auth {
		if !strings.HasPrefix(a, "AWS4-HMAC-SHA256 ") || strings.Contains(a, secret) {
			t.Errorf("request not SigV4-signed, or the secret is sent: %q", a)
		}
	}
	h.mu.Unlock()
	t.Logf("second sync of 250 findings: %d requests", res.Requests)
}
