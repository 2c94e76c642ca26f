package spectest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
)

// Outcome is what became of one case.
type Outcome int

const (
	Passed         Outcome = iota
	Failed                 // the handler failed the case
	Skipped                // declared in skip.yaml
	Unhandled              // no handler is registered for its runner and handler
	UndeclaredSkip         // the handler skipped it without a skip.yaml entry: counted as a failure
)

// Summary tallies outcomes per Group, safely from parallel subtests.
type Summary struct {
	mu   sync.Mutex
	rows map[string]*SummaryRow
}

// SummaryRow is one Group's tally.
type SummaryRow struct {
	Group                   string
	Passed, Failed, Skipped int
	Notes                   []string // skip reasons and problems, each once
}

// NewSummary returns an empty summary.
func NewSummary() *Summary {
	return &Summary{rows: make(map[string]*SummaryRow)}
}

// Record counts one case's outcome; note (a skip reason, "no handler registered") is shown once per group.
func (s *Summary) Record(c Case, o Outcome, note string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	row := s.rows[c.Group()]
	if row == nil {
		row = &SummaryRow{Group: c.Group()}
		s.rows[c.Group()] = row
	}
	switch o {
	case Passed:
		row.Passed++
	case Skipped:
		row.Skipped++
	default:
		row.Failed++
	}
	if note != "" && !slices.Contains(row.Notes, note) {
		row.Notes = append(row.Notes, note)
	}
}

// Rows returns the tallies sorted by group.
func (s *Summary) Rows() []SummaryRow {
	s.mu.Lock()
	defer s.mu.Unlock()
	rows := make([]SummaryRow, 0, len(s.rows))
	for _, group := range slices.Sorted(maps.Keys(s.rows)) {
		r := *s.rows[group]
		r.Notes = slices.Clone(r.Notes)
		rows = append(rows, r)
	}
	return rows
}

// Table renders the summary as an aligned text table with a total line.
func (s *Summary) Table() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "group\tcases\tpassed\tfailed\tskipped\tnote")
	var total SummaryRow
	for _, r := range s.Rows() {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%s\n", r.Group, r.Passed+r.Failed+r.Skipped, r.Passed, r.Failed, r.Skipped,
			strings.Join(r.Notes, "; "))
		total.Passed += r.Passed
		total.Failed += r.Failed
		total.Skipped += r.Skipped
	}
	fmt.Fprintf(w, "total\t%d\t%d\t%d\t%d\t\n", total.Passed+total.Failed+total.Skipped, total.Passed, total.Failed,
		total.Skipped)
	w.Flush()
	return b.String()
}
