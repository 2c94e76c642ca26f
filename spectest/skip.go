package spectest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Skip declares vectors that are not run yet, and why. Prefix is matched segment by segment against a case's ID
// (<preset>/<fork>/<runner>/<handler>/<suite>/<case>); a "*" segment matches any one segment. So "*/fulu/operations"
// covers the operations runner of every preset and "general/*/kzg" the kzg runner of every fork.
type Skip struct {
	Prefix string `yaml:"prefix"`
	Reason string `yaml:"reason"`
}

// SkipList is the parsed skip.yaml.
type SkipList struct {
	entries  []Skip
	segments [][]string
}

// LoadSkips reads a skip file: a YAML list of {prefix, reason}. Unknown keys, empty prefixes or reasons and duplicate
// prefixes are errors.
func LoadSkips(path string) (*SkipList, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load skips: %w", err)
	}
	return ParseSkips(data)
}

// ParseSkips parses the contents of a skip file.
func ParseSkips(data []byte) (*SkipList, error) {
	var entries []Skip
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&entries); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse skips: %w", err)
	}
	list := &SkipList{entries: entries}
	seen := make(map[string]bool)
	for i, e := range entries {
		if strings.TrimSpace(e.Reason) == "" {
			return nil, fmt.Errorf("parse skips: entry %d (%q) has no reason", i+1, e.Prefix)
		}
		segs := strings.Split(e.Prefix, "/")
		if slices.Contains(segs, "") {
			return nil, fmt.Errorf("parse skips: entry %d: bad prefix %q", i+1, e.Prefix)
		}
		if seen[e.Prefix] {
			return nil, fmt.Errorf("parse skips: prefix %q listed twice", e.Prefix)
		}
		seen[e.Prefix] = true
		list.segments = append(list.segments, segs)
	}
	return list, nil
}

// Entries returns the skip declarations in file order.
func (l *SkipList) Entries() []Skip { return l.entries }

// Match returns the first declaration that covers the case.
func (l *SkipList) Match(c Case) (Skip, bool) {
	id := strings.Split(c.ID(), "/")
	for i, segs := range l.segments {
		if prefixMatches(segs, id) {
			return l.entries[i], true
		}
	}
	return Skip{}, false
}

func prefixMatches(prefix, id []string) bool {
	if len(prefix) > len(id) {
		return false
	}
	for i, seg := range prefix {
		if seg != "*" && seg != id[i] {
			return false
		}
	}
	return true
}
