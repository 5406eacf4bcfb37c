// Package ledger keeps the tracking sheet: one row per tracked finding
// group, as CSV or, by extension, XLSX. tfreview owns the columns in
// Columns and rewrites them every run; any other column (a team's
// decision, notes, due) is kept by row id, and first_seen never changes
// once set, so people can keep writing in the sheet between runs.
package ledger

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tfreview/tfreview/finding"
	"github.com/tfreview/tfreview/lifecycle"
)

// Columns are the columns tfreview owns, in the order a new sheet has them.
var Columns = []string{"id", "status", "severity", "rule_id", "title", "resource", "file", "line", "owner", "ticket", "first_seen", "last_seen", "fixed_at", "fix"}

// Statuses of a row.
const (
	StatusOpen     = "open"
	StatusFixed    = "fixed"
	StatusAccepted = "accepted"
)

// DateLayout is how dates are written: days are what a weekly review needs,
// and what spreadsheets sort.
const DateLayout = "2006-01-02"

// SheetName is the XLSX sheet the ledger lives in.
const SheetName = "findings"

// Row is one row, by column name.
type Row map[string]string

// Ledger is the sheet: its columns (tfreview's and people's, in the file's
// order) and rows.
type Ledger struct {
	Header []string
	Rows   []Row
}

// Read loads the ledger at path; a missing file is an empty ledger.
func Read(path string) (*Ledger, error) {
	var records [][]string
	var err error
	if isXLSX(path) {
		records, err = readXLSX(path)
	} else {
		records, err = readCSV(path)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return &Ledger{Header: slices.Clone(Columns)}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read ledger %s: %w", path, err)
	}
	l := &Ledger{}
	if len(records) == 0 {
		l.Header = slices.Clone(Columns)
		return l, nil
	}
	l.Header = records[0]
	if !slices.Contains(l.Header, "id") {
		return nil, fmt.Errorf("read ledger %s: no id column", path)
	}
	for _, c := range Columns {
		if !slices.Contains(l.Header, c) {
			l.Header = append(l.Header, c)
		}
	}
	for _, rec := range records[1:] {
		r := Row{}
		for i, v := range rec {
			if i < len(records[0]) {
				r[records[0][i]] = v
			}
		}
		if r["id"] != "" {
			l.Rows = append(l.Rows, r)
		}
	}
	return l, nil
}

func isXLSX(path string) bool { return strings.EqualFold(filepath.Ext(path), ".xlsx") }

func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	return r.ReadAll()
}

func readXLSX(path string) ([][]string, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if idx, _ := f.GetSheetIndex(SheetName); idx < 0 {
		return nil, fmt.Errorf("no sheet %q", SheetName)
	}
	return f.GetRows(SheetName)
}

// Tickets turns the rows into the tickets a plan compares with when there
// is no tracker: open and accepted rows are open and accepted "tickets".
func (l *Ledger) Tickets() []lifecycle.Ticket {
	var out []lifecycle.Ticket
	for i, r := range l.Rows {
		out = append(out, lifecycle.Ticket{
			Key: r["id"], ID: cmp.Or(r["ticket"], r["id"]), URL: r["ticket"],
			Open: r["status"] == StatusOpen, Accepted: r["status"] == StatusAccepted, Order: int64(i),
			Title: r["title"] + " on " + r["resource"], Severity: severityOf(r["severity"]),
		})
	}
	return out
}

// Apply records a run: every group of the plan gets a row (open, or
// accepted) with tfreview's columns rewritten and first_seen kept; a row
// whose group is gone is marked fixed once, with the day. tickets are the
// tracker's tickets by key (Applied.Tickets), for the ticket column.
func (l *Ledger) Apply(p lifecycle.Plan, tickets map[string]lifecycle.Ticket, now time.Time) {
	day := now.UTC().Format(DateLayout)
	index := map[string]int{}
	for i, r := range l.Rows {
		index[r["id"]] = i
	}
	present := map[string]bool{}
	for _, c := range p.Changes {
		if c.Action != lifecycle.Close && c.Action != lifecycle.CloseDuplicate {
			// A held close (Unchanged, no group) keeps its row as it is.
			present[c.Key] = true
		}
		g := c.Group
		if g == nil {
			continue
		}
		i, ok := index[g.Key]
		if !ok {
			i = len(l.Rows)
			index[g.Key] = i
			l.Rows = append(l.Rows, Row{"id": g.Key})
		}
		r := l.Rows[i]
		status := StatusOpen
		if g.Accepted != nil {
			status = StatusAccepted
		}
		r["status"] = status
		r["severity"] = g.Severity.String()
		r["rule_id"] = g.RuleID
		r["title"] = g.Title
		r["resource"] = g.Resource
		r["file"] = g.File
		r["line"] = strconv.Itoa(g.Line)
		r["owner"] = g.Route.Owner
		if t, ok := tickets[g.Key]; ok && t.URL != "" {
			r["ticket"] = t.URL
		}
		if r["first_seen"] == "" {
			r["first_seen"] = day
		}
		r["last_seen"] = day
		r["fixed_at"] = ""
		r["fix"] = fixText(*g)
	}
	for _, r := range l.Rows {
		if !present[r["id"]] && r["status"] != StatusFixed {
			r["status"] = StatusFixed
			if r["fixed_at"] == "" {
				r["fixed_at"] = day
			}
		}
	}
}

func severityOf(s string) finding.Severity {
	v, _ := finding.ParseSeverity(s)
	return v
}

func fixText(g lifecycle.Group) string {
	if g.Fix != nil && g.Fix.Description != "" {
		return g.Fix.Description
	}
	return g.Resolution
}

// Write saves the ledger to a temporary file beside path and renames it
// over path, so a failed run never leaves a half-written sheet.
func (l *Ledger) Write(path string) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".tfreview-ledger-*"+filepath.Ext(path))
	if err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if isXLSX(path) {
		tmp.Close()
		err = l.writeXLSX(path, tmpName)
	} else {
		err = l.writeCSV(tmp)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("write ledger %s: %w", path, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	return nil
}

func (l *Ledger) records(neutralize bool) [][]string {
	out := [][]string{l.Header}
	for _, r := range l.Rows {
		rec := make([]string, len(l.Header))
		for i, c := range l.Header {
			v := r[c]
			if neutralize && slices.Contains(Columns, c) {
				v = noFormula(v)
			}
			rec[i] = v
		}
		out = append(out, rec)
	}
	return out
}

// noFormula keeps a spreadsheet from running a cell tfreview wrote as a
// formula: text from a scanned repository (a title, a resource name) that
// starts with = + - @ or a control gets a leading apostrophe, as OWASP
// advises for CSV injection. Only tfreview's own columns are touched.
func noFormula(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func (l *Ledger) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(l.records(true)); err != nil {
		return err
	}
	return cw.Error()
}

// writeXLSX writes the findings sheet of the workbook at path (or a new
// one) to dest. Other sheets and the workbook's formatting are kept; rows
// and columns only ever grow, so overwriting cells leaves nothing stale.
// Every cell is set as a string: excelize never makes a formula of it.
func (l *Ledger) writeXLSX(path, dest string) error {
	f, err := excelize.OpenFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		f = excelize.NewFile()
		if err := f.SetSheetName("Sheet1", SheetName); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	defer f.Close()
	if idx, _ := f.GetSheetIndex(SheetName); idx < 0 {
		if _, err := f.NewSheet(SheetName); err != nil {
			return err
		}
	}
	for i, rec := range l.records(false) {
		for j, v := range rec {
			cell, err := excelize.CoordinatesToCellName(j+1, i+1)
			if err != nil {
				return err
			}
			if err := f.SetCellStr(SheetName, cell, v); err != nil {
				return err
			}
		}
	}
	return f.SaveAs(dest)
}
