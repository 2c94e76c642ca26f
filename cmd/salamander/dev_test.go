package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salamander-client/salamander/params"
)

func TestDevRefusesTheOtherPreset(t *testing.T) {
	other := "minimal"
	if params.PresetName == "minimal" {
		other = "mainnet"
	}
	code, _, stderr := run(t, nil, "dev", "--preset", other)
	if code != exitUsage || !strings.Contains(stderr, "built with the "+params.PresetName+" preset") || !strings.Contains(stderr, "go run") {
		t.Errorf("dev --preset %s: exit %d, stderr %q; want %d and how to build it", other, code, stderr, exitUsage)
	}
	if code, _, stderr := run(t, nil, "dev", "--validators", "0"); code != exitUsage || stderr == "" {
		t.Errorf("dev --validators 0: exit %d, stderr %q", code, stderr)
	}
}

// TestDevKeepsItsChain runs a small devnet in-process until its first block, then checks what it left in the data
// directory: a later run may not change its slot time, and export-chain writes its chain.
func TestDevKeepsItsChain(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	dir := t.TempDir()
	signals := make(chan os.Signal, 1)
	var stdout, stderr syncBuffer
	a := app{stdout: &stdout, stderr: &stderr, signals: signals}
	done := make(chan int, 1)
	go func() {
		done <- a.main([]string{"dev", "--data-dir", dir, "--seconds-per-slot", "1", "--validators", "8",
			"--debug-listen", "", "--log-format", "json"})
	}()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(stderr.String(), `"msg":"Block"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no block within a minute:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	signals <- os.Interrupt
	if code := <-done; code != exitOK {
		t.Fatalf("dev exited %d:\n%s", code, stderr.String())
	}
	for _, name := range []string{"genesis.ssz", "devnet.json", "beacon.db", "slashing-protection.db"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("the data directory lacks %s: %v", name, err)
		}
	}

	code, _, errOut := run(t, nil, "dev", "--data-dir", dir, "--seconds-per-slot", "2", "--debug-listen", "")
	if code != exitUsage || !strings.Contains(errOut, "was created with 1") {
		t.Errorf("dev with another slot time on the same devnet: exit %d, stderr %q; want %d", code, errOut, exitUsage)
	}

	out := filepath.Join(t.TempDir(), "export")
	code, stdoutText, errOut := run(t, nil, "db", "export-chain", out, "--data-dir", dir)
	if code != exitOK || !strings.Contains(stdoutText, "Exported to "+out) {
		t.Fatalf("db export-chain: exit %d, stdout %q, stderr %q", code, stdoutText, errOut)
	}
	encoded, err := os.ReadFile(filepath.Join(out, ExportManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var m exportManifest
	if err := json.Unmarshal(encoded, &m); err != nil {
		t.Fatal(err)
	}
	if m.Preset != params.PresetName || m.SecondsPerSlot != 1 || len(m.Blocks) == 0 || m.Anchor.Slot != 0 {
		t.Fatalf("manifest %+v: want the devnet's preset, its 1 s slots, its genesis and a block", m)
	}
	for _, f := range append([]string{m.Anchor.File}, m.Blocks[0].File) {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("the export lacks %s: %v", f, err)
		}
	}
	if code, _, _ := run(t, nil, "db", "export-chain", out, "--data-dir", dir); code != exitFailure {
		t.Errorf("a second export into the same directory: exit %d, want %d", code, exitFailure)
	}
}
