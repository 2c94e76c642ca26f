package lodestarstf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeScript writes a stand-in for lodestar-stf.sh that lays out what npm would (the state-transition package's
// package.json at version) and counts its runs in a file beside it.
func fakeScript(t *testing.T, version string) (script, runs string) {
	t.Helper()
	dir := t.TempDir()
	script, runs = filepath.Join(dir, "lodestar-stf.sh"), filepath.Join(dir, "runs")
	body := fmt.Sprintf(`#!/usr/bin/env bash
set -euo pipefail
[ "$1" = install ] || exit 2
echo run >> %q
mkdir -p "$2/node_modules/@lodestar/state-transition"
echo '{"name": "@lodestar/state-transition", "version": "%s"}' > "$2/node_modules/@lodestar/state-transition/package.json"
`, runs, version)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return script, runs
}

func countRuns(t *testing.T, runs string) int {
	t.Helper()
	raw, err := os.ReadFile(runs)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(raw), "run\n")
}

func TestInstallWithSharedScriptOnceAndConcurrently(t *testing.T) {
	script, runs := fakeScript(t, Version)
	dir := filepath.Join(t.TempDir(), "cache", "lodestar-stf-"+Version)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = Install(context.Background(), dir, script) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("install %d: %v", i, err)
		}
	}
	if !Installed(dir) {
		t.Fatalf("%s is not an installation after Install", dir)
	}
	n := countRuns(t, runs)
	if n < 1 || n > len(errs) {
		t.Fatalf("script ran %d times for %d concurrent installs", n, len(errs))
	}
	// Installed: no run at all, and no temporary directories left behind.
	if err := Install(context.Background(), dir, script); err != nil {
		t.Fatal(err)
	}
	if got := countRuns(t, runs); got != n {
		t.Fatalf("script ran again on an installed directory (%d runs, then %d)", n, got)
	}
	entries, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("install left %d entries beside the installation: %v", len(entries), entries)
	}
}

func TestInstallRefusesAnotherVersion(t *testing.T) {
	script, _ := fakeScript(t, "1.0.0")
	dir := filepath.Join(t.TempDir(), "lodestar")
	err := Install(context.Background(), dir, script)
	if !errors.Is(err, ErrInstall) {
		t.Fatalf("install of version 1.0.0 as %s: %v, want ErrInstall", Version, err)
	}
	if _, statErr := os.Stat(dir); !errors.Is(statErr, os.ErrNotExist) {
		t.Fatalf("a failed install left %s: %v", dir, statErr)
	}
}

func TestForTestsWithoutSharedScriptIsUnavailable(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "repo") // no ../shared beside it
	if _, err := ForTests(context.Background(), repo); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("ForTests without the shared script: %v, want ErrUnavailable", err)
	}
}

func TestWriteScriptAndCommand(t *testing.T) {
	dir := t.TempDir()
	path, err := WriteScript(dir, "a.mjs", []byte("console.log(1)\n"))
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, "a.mjs") {
		t.Fatalf("script written to %s", path)
	}
	if _, err := WriteScript(dir, "a.mjs", []byte("console.log(2)\n")); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != "console.log(2)\n" {
		t.Fatalf("rewritten script holds %q (%v)", got, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("WriteScript left %d files", len(entries))
	}

	cmd := Command(context.Background(), dir, "minimal", "--max-old-space-size=64", path)
	if cmd.Dir != dir || !slices.Equal(cmd.Args[1:], []string{"--max-old-space-size=64", path}) {
		t.Fatalf("command %v in %s", cmd.Args, cmd.Dir)
	}
	if !slices.Contains(cmd.Env, "LODESTAR_PRESET=minimal") {
		t.Fatal("LODESTAR_PRESET is not set")
	}
}
