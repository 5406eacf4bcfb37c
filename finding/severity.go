package finding

import (
	"fmt"
	"strings"
)

// Severity orders findings; the zero value is unknown.
type Severity int

const (
	SeverityUnknown Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return "UNKNOWN"
	}
	return severityNames[s]
}

// ParseSeverity accepts LOW, MEDIUM, HIGH, CRITICAL in any case.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if i > 0 && strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return SeverityUnknown, fmt.Errorf("unknown severity %q (want LOW, MEDIUM, HIGH or CRITICAL)", s)
}

func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Severity) UnmarshalText(b []byte) error {
	if strings.EqualFold(string(b), "UNKNOWN") {
		*s = SeverityUnknown
		return nil
	}
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}
