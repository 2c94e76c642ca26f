package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/salamander-client/salamander/params"
)

// LodestarVersion is the version of Lodestar's libraries the benchmark runs: that of ../shared/peers/lodestar-stf.sh
// and lodestar/package.json.
const LodestarVersion = "1.46.0"

// ErrLodestar means Lodestar's side of the benchmark could not be installed or failed.
var ErrLodestar = errors.New("lodestar")

// lodestarScriptName is the name stf.mjs gets in the install directory, beside node_modules.
const lodestarScriptName = "salamander_stfbench.mjs"

// DefaultLodestarDir is where Lodestar's libraries are installed unless told otherwise: beside the other third-party
// software of the end-to-end tests (../shared/peers), in the user's cache, where the epoch transition's Lodestar
// test installs the same libraries.
func DefaultLodestarDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrLodestar, err)
	}
	return filepath.Join(cache, "salamander-peers", "lodestar-stf-"+LodestarVersion), nil
}

// InstallLodestar installs Lodestar's libraries into dir unless they are there. It runs sharedScript (the peers'
// lodestar-stf.sh) when that exists, and otherwise npm with lodestar/package.json, which pins the same versions.
// Installation happens in a temporary directory renamed into place, so that concurrent installs (test packages run
// in parallel) never see half an installation.
func InstallLodestar(ctx context.Context, dir, sharedScript string) error {
	if lodestarInstalled(dir) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("%w: install: %w", ErrLodestar, err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".tmp-*")
	if err != nil {
		return fmt.Errorf("%w: install: %w", ErrLodestar, err)
	}
	defer os.RemoveAll(tmp) // nothing left once renamed
	var cmd *exec.Cmd
	if _, err := os.Stat(sharedScript); err == nil {
		cmd = exec.CommandContext(ctx, "bash", sharedScript, "install", tmp)
	} else {
		if err := os.WriteFile(filepath.Join(tmp, "package.json"), lodestarPackageJSON, 0o644); err != nil {
			return fmt.Errorf("%w: install: %w", ErrLodestar, err)
		}
		cmd = exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = tmp
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w: install with %s: %w\n%s", ErrLodestar, strings.Join(cmd.Args, " "), err, out)
	}
	if !lodestarInstalled(tmp) {
		return fmt.Errorf("%w: install: %s holds no @lodestar/state-transition %s", ErrLodestar, tmp, LodestarVersion)
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Someone else installs into dir (the epoch transition's Lodestar test installs in place): wait for it.
		return waitInstalled(ctx, dir, err)
	}
	return nil
}

// waitInstalled waits up to lodestarInstallWait for another installation into dir to complete.
func waitInstalled(ctx context.Context, dir string, renameErr error) error {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	timeout := time.After(lodestarInstallWait)
	for !lodestarInstalled(dir) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: install: %w", ErrLodestar, ctx.Err())
		case <-timeout:
			return fmt.Errorf("%w: install: %s is incomplete after %s: %w", ErrLodestar, dir, lodestarInstallWait, renameErr)
		case <-ticker.C:
		}
	}
	return nil
}

// lodestarInstallWait bounds the wait for another process's installation of Lodestar.
const lodestarInstallWait = 5 * time.Minute

func lodestarInstalled(dir string) bool {
	raw, err := os.ReadFile(filepath.Join(dir, "node_modules", "@lodestar", "state-transition", "package.json"))
	if err != nil {
		return false
	}
	var pkg struct{ Version string }
	return json.Unmarshal(raw, &pkg) == nil && pkg.Version == LodestarVersion
}

// lodestar is a running stf.mjs: it answers one command at a time.
type lodestar struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  *bufio.Scanner
	stderr *tailBuffer
}

// lodestarReady is stf.mjs's first line: the roots of its untimed first runs and its memory after loading.
type lodestarReady struct {
	SetupMs            float64 `json:"setupMs"`
	PostStateRoot      string  `json:"postStateRoot"`
	EpochPostStateRoot string  `json:"epochPostStateRoot"`
	RSSBytes           uint64  `json:"rssBytes"`
	PeakRSSBytes       uint64  `json:"peakRssBytes"`
}

// lodestarReply is any later line.
type lodestarReply struct {
	Error        string  `json:"error"`
	Op           string  `json:"op"`
	Ms           float64 `json:"ms"`
	CPUMs        float64 `json:"cpuMs"`
	Root         string  `json:"root"`
	RSSBytes     uint64  `json:"rssBytes"`
	PeakRSSBytes uint64  `json:"peakRssBytes"`
}

// startLodestar starts stf.mjs from dir on the fixture in fixtureDir and waits until it has loaded it. heapMiB is
// Node's old-space limit; a million validators need several GiB.
func startLodestar(ctx context.Context, dir, fixtureDir string, heapMiB int) (*lodestar, lodestarReady, error) {
	var ready lodestarReady
	script := filepath.Join(dir, lodestarScriptName)
	if err := writeIfChanged(script, lodestarScript); err != nil {
		return nil, ready, fmt.Errorf("%w: %w", ErrLodestar, err)
	}
	absFixture, err := filepath.Abs(fixtureDir)
	if err != nil {
		return nil, ready, fmt.Errorf("%w: %w", ErrLodestar, err)
	}
	cmd := exec.CommandContext(ctx, "node", "--expose-gc", fmt.Sprintf("--max-old-space-size=%d", heapMiB), script, absFixture)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LODESTAR_PRESET="+params.PresetName)
	l := &lodestar{cmd: cmd, stderr: &tailBuffer{limit: 16 << 10}}
	cmd.Stderr = l.stderr
	if l.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, ready, fmt.Errorf("%w: %w", ErrLodestar, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, ready, fmt.Errorf("%w: %w", ErrLodestar, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, ready, fmt.Errorf("%w: start node: %w", ErrLodestar, err)
	}
	l.lines = bufio.NewScanner(stdout)
	l.lines.Buffer(make([]byte, 64<<10), 16<<20)
	line, err := l.readLine()
	if err != nil {
		l.close()
		return nil, ready, err
	}
	if err := json.Unmarshal(line, &ready); err != nil {
		l.close()
		return nil, ready, fmt.Errorf("%w: first line %q: %w", ErrLodestar, line, err)
	}
	return l, ready, nil
}

// readLine returns stf.mjs's next line, or its error report.
func (l *lodestar) readLine() ([]byte, error) {
	if !l.lines.Scan() {
		err := l.lines.Err()
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("%w: node exited: %w\n%s", ErrLodestar, err, l.stderr)
	}
	line := l.lines.Bytes()
	var reply lodestarReply
	if json.Unmarshal(line, &reply) == nil && reply.Error != "" {
		return nil, fmt.Errorf("%w: %s\n%s", ErrLodestar, reply.Error, l.stderr)
	}
	return bytes.Clone(line), nil
}

// do runs one command and returns its reply.
func (l *lodestar) do(op string) (lodestarReply, error) {
	var reply lodestarReply
	if _, err := io.WriteString(l.stdin, op+"\n"); err != nil {
		return reply, fmt.Errorf("%w: %s: %w\n%s", ErrLodestar, op, err, l.stderr)
	}
	line, err := l.readLine()
	if err != nil {
		return reply, err
	}
	if err := json.Unmarshal(line, &reply); err != nil {
		return reply, fmt.Errorf("%w: %s: reply %q: %w", ErrLodestar, op, line, err)
	}
	if reply.Op != op {
		return reply, fmt.Errorf("%w: %s: reply to %q", ErrLodestar, op, reply.Op)
	}
	return reply, nil
}

// close asks stf.mjs to quit and waits for it.
func (l *lodestar) close() {
	_, _ = io.WriteString(l.stdin, "quit\n")
	_ = l.stdin.Close()
	_ = l.cmd.Wait()
}

// writeIfChanged writes content to path unless it holds it already, through a temporary file renamed into place:
// concurrent runs may share the install directory.
func writeIfChanged(path string, content []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, content) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// tailBuffer keeps the last limit bytes written to it: Node's stderr, for error messages. exec writes it from its
// own goroutine.
type tailBuffer struct {
	limit int
	mu    sync.Mutex
	buf   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.limit; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
