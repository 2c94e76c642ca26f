package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/salamander-client/salamander/transition/fixture"
)

func TestRunExitCodes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "fixture")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"fixture without -out", []string{"fixture"}, exitUsage, "-out"},
		{"unknown flag", []string{"-frobnicate"}, exitUsage, "frobnicate"},
		{"no runs", []string{"compare", "-runs", "0"}, exitUsage, "-runs"},
		{"too few validators", []string{"fixture", "-validators", "10", "-out", out}, exitFailure, "invalid fixture options"},
		{"missing fixture", []string{"-fixture", filepath.Join(t.TempDir(), "none")}, exitFailure, "no such file"},
		{"fixture", []string{"fixture", "-validators", "1024", "-out", out}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), tc.args, &stdout, &stderr); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q does not mention %q", stderr.String(), tc.stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(out, fixture.MetaFile)); err != nil {
		t.Errorf("the fixture command wrote no fixture: %v", err)
	}
}
