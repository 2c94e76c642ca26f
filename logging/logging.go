// Package logging builds the node's slog logger: colored human-readable lines on a terminal (tint), JSON
// lines otherwise, so that a log shipper never has to parse escape codes.
package logging

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/lmittmann/tint"
	"github.com/mattn/go-isatty"
)

// ErrInvalidLevel and ErrInvalidFormat are returned by ParseLevel and ParseFormat.
var (
	ErrInvalidLevel  = errors.New("invalid log level")
	ErrInvalidFormat = errors.New("invalid log format")
)

// Format selects how log records are written.
type Format uint8

const (
	// FormatAuto writes text on a terminal and JSON otherwise.
	FormatAuto Format = iota
	// FormatText always writes human-readable lines, colored only on a terminal.
	FormatText
	// FormatJSON always writes one JSON object per line.
	FormatJSON
)

var formatNames = [...]string{FormatAuto: "auto", FormatText: "text", FormatJSON: "json"}

func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// FormatNames lists the accepted format names, for help texts and error messages.
func FormatNames() []string { return formatNames[:] }

// ParseFormat parses "auto", "text" or "json" (case-insensitive).
func ParseFormat(s string) (Format, error) {
	for i, name := range formatNames {
		if strings.EqualFold(s, name) {
			return Format(i), nil
		}
	}
	return 0, fmt.Errorf("%w %q", ErrInvalidFormat, s)
}

var levels = []struct {
	name  string
	level slog.Level
}{
	{"debug", slog.LevelDebug},
	{"info", slog.LevelInfo},
	{"warn", slog.LevelWarn},
	{"error", slog.LevelError},
}

// LevelNames lists the accepted level names, lowest first.
func LevelNames() []string {
	names := make([]string, len(levels))
	for i, l := range levels {
		names[i] = l.name
	}
	return names
}

// ParseLevel parses "debug", "info", "warn" or "error" (case-insensitive). Unlike slog.Level's
// UnmarshalText it rejects offsets such as "info+2", which no operator means to write.
func ParseLevel(s string) (slog.Level, error) {
	for _, l := range levels {
		if strings.EqualFold(s, l.name) {
			return l.level, nil
		}
	}
	return 0, fmt.Errorf("%w %q", ErrInvalidLevel, s)
}

// timeFormat carries the date because a node runs for weeks and its logs get rotated and concatenated.
const timeFormat = "2006-01-02 15:04:05.000"

// New returns a logger writing records at or above level to w.
func New(w io.Writer, level slog.Leveler, format Format) *slog.Logger {
	terminal := IsTerminal(w)
	if format == FormatJSON || (format == FormatAuto && !terminal) {
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
	}
	return slog.New(tint.NewTextHandler(w, &tint.Options{
		Level:      level,
		TimeFormat: timeFormat,
		NoColor:    !terminal,
	}))
}

// IsTerminal reports whether w is a file descriptor attached to a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}
