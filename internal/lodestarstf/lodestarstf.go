// Package lodestarstf installs Lodestar's state transition libraries (@lodestar/state-transition and its siblings,
// from npm) and runs Node scripts against them: the independent implementation that the benchmark (bench), the
// epoch transition's and the validators' Lodestar tests and the devnet's replay judge ours by. It installs with
// ../shared/peers/lodestar-stf.sh beside the repository when that exists, and otherwise with npm and package.json,
// which pins the same versions.
//
// Node appears only in tooling and tests that drive third-party software; the node itself is Go only.
package lodestarstf

import (
	"context"
	_ "embed" // the npm fallback's pins
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/salamander-client/salamander/internal/atomicfile"
)

// Version is the version of Lodestar's libraries: that of ../shared/peers/lodestar-stf.sh and package.json.
const Version = "1.46.0"

var (
	// ErrInstall means the libraries could not be installed.
	ErrInstall = errors.New("lodestar install")
	// ErrUnavailable means this machine cannot run them: Node or the shared install script is missing. Tests skip.
	ErrUnavailable = errors.New("lodestar unavailable")
)

//go:embed package.json
var packageJSON []byte

// installWait bounds the wait for another process's installation into the same directory.
const installWait = 5 * time.Minute

// SharedScript is ../shared/peers/lodestar-stf.sh beside the repository at repo.
func SharedScript(repo string) string {
	return filepath.Join(repo, "..", "shared", "peers", "lodestar-stf.sh")
}

// DefaultDir is where the libraries are installed unless told otherwise: beside the other third-party software of
// the end-to-end tests (../shared/peers), in the user's cache, one directory per version.
func DefaultDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInstall, err)
	}
	return filepath.Join(cache, "salamander-peers", "lodestar-stf-"+Version), nil
}

// Installed tells whether dir holds the libraries at Version.
func Installed(dir string) bool {
	raw, err := os.ReadFile(filepath.Join(dir, "node_modules", "@lodestar", "state-transition", "package.json"))
	if err != nil {
		return false
	}
	var pkg struct{ Version string }
	return json.Unmarshal(raw, &pkg) == nil && pkg.Version == Version
}

// Install installs the libraries into dir unless they are there. It runs sharedScript (the peers'
// lodestar-stf.sh) when that exists, and otherwise npm with package.json. Installation happens in a temporary
// directory renamed into place, so that concurrent installs (test packages run in parallel) never see half an
// installation.
func Install(ctx context.Context, dir, sharedScript string) error {
	if Installed(dir) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("%w: %w", ErrInstall, err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".tmp-*")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInstall, err)
	}
	defer os.RemoveAll(tmp) // nothing left once renamed
	var cmd *exec.Cmd
	if _, err := os.Stat(sharedScript); sharedScript != "" && err == nil {
		cmd = exec.CommandContext(ctx, "bash", sharedScript, "install", tmp)
	} else {
		if err := os.WriteFile(filepath.Join(tmp, "package.json"), packageJSON, 0o644); err != nil {
			return fmt.Errorf("%w: %w", ErrInstall, err)
		}
		cmd = exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = tmp
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w: %s: %w\n%s", ErrInstall, strings.Join(cmd.Args, " "), err, out)
	}
	if !Installed(tmp) {
		return fmt.Errorf("%w: %s holds no @lodestar/state-transition %s", ErrInstall, tmp, Version)
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process installed into dir first (rename fails on a non-empty directory): wait for it.
		return waitInstalled(ctx, dir, err)
	}
	return nil
}

// waitInstalled waits up to installWait for another installation into dir to complete.
func waitInstalled(ctx context.Context, dir string, renameErr error) error {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	timeout := time.After(installWait)
	for !Installed(dir) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ErrInstall, ctx.Err())
		case <-timeout:
			return fmt.Errorf("%w: %s is incomplete after %s: %w", ErrInstall, dir, installWait, renameErr)
		case <-ticker.C:
		}
	}
	return nil
}

// ForTests is the tests' way in: it installs the libraries into DefaultDir with the shared script of the
// repository at repo and returns the directory. Without Node or without the script it returns ErrUnavailable, on
// which the tests skip, as they do on a machine without ../shared.
func ForTests(ctx context.Context, repo string) (string, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return "", fmt.Errorf("%w: node is not installed: %w", ErrUnavailable, err)
	}
	script := SharedScript(repo)
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("%w: no %s: %w", ErrUnavailable, script, err)
	}
	dir, err := DefaultDir()
	if err != nil {
		return "", err
	}
	if err := Install(ctx, dir, script); err != nil {
		return "", err
	}
	return dir, nil
}

// WriteScript writes a Node script into the install directory dir as name and returns its path: ES modules resolve
// their imports from the script's own directory, so a script runs from beside node_modules. It writes atomically,
// and not at all when the file holds source already, because concurrent test processes may share dir.
func WriteScript(dir, name string, source []byte) (string, error) {
	path := filepath.Join(dir, name)
	if old, err := os.ReadFile(path); err == nil && string(old) == string(source) {
		return path, nil
	}
	if err := atomicfile.Write(path, source, 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// Command is `node args...` run from the install directory dir with Lodestar's preset (LODESTAR_PRESET, read by
// @lodestar/params before the first import) set to preset: "mainnet" or "minimal".
func Command(ctx context.Context, dir, preset string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LODESTAR_PRESET="+preset)
	return cmd
}
