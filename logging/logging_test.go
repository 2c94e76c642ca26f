package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
)

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{
		"debug": slog.LevelDebug, "info": slog.LevelInfo, "WARN": slog.LevelWarn, "Error": slog.LevelError,
	} {
		got, err := ParseLevel(in)
		if err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "loud", "info+2", "warning"} {
		if _, err := ParseLevel(in); !errors.Is(err, ErrInvalidLevel) {
			t.Errorf("ParseLevel(%q) err = %v, want ErrInvalidLevel", in, err)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"auto": FormatAuto, "text": FormatText, "JSON": FormatJSON} {
		got, err := ParseFormat(in)
		if err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseFormat("xml"); !errors.Is(err, ErrInvalidFormat) {
		t.Errorf("ParseFormat(xml) err = %v, want ErrInvalidFormat", err)
	}
}

// A buffer is not a terminal, so auto must pick JSON: that is what a log shipper reading a pipe gets.
func TestAutoIsJSONOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	New(&buf, slog.LevelInfo, FormatAuto).Info("Slot started", "slot", 7)
	var record map[string]any
	if err := json.Unmarshal(buf.Bytes(), &record); err != nil {
		t.Fatalf("auto format off a terminal wrote %q, want JSON: %v", buf.String(), err)
	}
	if record["msg"] != "Slot started" || record["slot"] != float64(7) {
		t.Errorf("record = %v", record)
	}
}

func TestTextWithoutColorOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	New(&buf, slog.LevelInfo, FormatText).Info("Slot started", "slot", 7)
	line := buf.String()
	if strings.Contains(line, "\x1b[") {
		t.Errorf("text format off a terminal wrote color codes: %q", line)
	}
	if !strings.Contains(line, "INF Slot started slot=7") {
		t.Errorf("text line = %q", line)
	}
}

func TestLevelFilters(t *testing.T) {
	for _, format := range []Format{FormatText, FormatJSON} {
		var buf bytes.Buffer
		logger := New(&buf, slog.LevelWarn, format)
		logger.Info("Hidden")
		logger.Warn("Shown")
		if out := buf.String(); strings.Contains(out, "Hidden") || !strings.Contains(out, "Shown") {
			t.Errorf("%v at warn wrote %q", format, out)
		}
	}
}

func TestIsTerminal(t *testing.T) {
	if IsTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Error("a regular file is a terminal")
	}
}
