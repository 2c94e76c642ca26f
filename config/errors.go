package config

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrUnknownKey is returned for a key no option has, in a file, the environment or the defaults.
	ErrUnknownKey = errors.New("unknown key")
	// ErrInvalidValue is returned (as a *ValueError) for a value an option cannot parse.
	ErrInvalidValue = errors.New("invalid value")
	// ErrNotLoopback is returned for a debug server address off the loopback interface.
	ErrNotLoopback = errors.New("not a loopback address")
	// ErrPresetMismatch is returned for a network this binary's preset cannot follow.
	ErrPresetMismatch = errors.New("wrong preset")
	// ErrConflict is returned for a value that another key's value rules out.
	ErrConflict = errors.New("conflicts with another key")
	// ErrSyntax is returned for a config file that is not valid TOML.
	ErrSyntax = errors.New("invalid TOML")
)

// ValueError is a value that one source gave a key and that the key's option refused.
type ValueError struct {
	// Source is where the value came from: a file's path, "env SALAMANDER_...", "flag --..." or "defaults".
	Source string
	Key    string
	Value  any
	// Reason says what was wanted instead.
	Reason error
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("%s: %s: %v %s: %v", e.Source, e.Key, ErrInvalidValue, formatValue(e.Value), e.Reason)
}

// Unwrap lets errors.Is match both ErrInvalidValue and the reason's own sentinels.
func (e *ValueError) Unwrap() []error { return []error{ErrInvalidValue, e.Reason} }

// formatValue prints a value the way the user wrote it, so that it can be found in the file.
func formatValue(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case []string:
		quoted := make([]string, len(v))
		for i, s := range v {
			quoted[i] = fmt.Sprintf("%q", s)
		}
		return "[" + strings.Join(quoted, ", ") + "]"
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = formatValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		return "(a table)"
	default:
		return fmt.Sprint(v)
	}
}

func unknownKeyError(source, key string, known []string) error {
	if near := nearest(key, known); near != "" {
		return fmt.Errorf("%s: %w %q (did you mean %q?)", source, ErrUnknownKey, key, near)
	}
	return fmt.Errorf("%s: %w %q", source, ErrUnknownKey, key)
}

// nearest returns the known name closest to a misspelt one, or "" if none is plausibly meant.
func nearest(name string, known []string) string {
	best, bestDist := "", 3 // a typo is at most two edits away
	for _, k := range known {
		if d := editDistance(name, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes (keys are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
