package formatters

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/tfreview/tfreview/finding"
)

// rdjsonlFormatter writes one reviewdog Diagnostic per line (rdjsonl), each
// self-contained with its own source.
type rdjsonlFormatter struct{ opts Options }

func (f rdjsonlFormatter) Format(w io.Writer, r finding.Report) error {
	var out bytes.Buffer
	src := rdSource(r)
	for _, fd := range shown(r, f.opts) {
		d := rdDiagnostic(fd)
		d.Source = src
		b, err := rdMarshal(d)
		if err != nil {
			return err
		}
		if err := json.Compact(&out, b); err != nil {
			return fmt.Errorf("rdjsonl: %w", err)
		}
		out.WriteByte('\n')
	}
	_, err := w.Write(out.Bytes())
	return err
}
