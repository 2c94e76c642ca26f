package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/salamander-client/salamander/internal/lodestarstf"
	"github.com/salamander-client/salamander/params"
)

// LodestarVersion is the version of Lodestar's libraries the benchmark runs.
const LodestarVersion = lodestarstf.Version

// ErrLodestar means Lodestar's side of the benchmark could not be installed or failed.
var ErrLodestar = errors.New("lodestar")

// lodestarScriptName is the name stf.mjs gets in the install directory, beside node_modules.
const lodestarScriptName = "salamander_stfbench.mjs"

// DefaultLodestarDir is where Lodestar's libraries are installed unless told otherwise: lodestarstf.DefaultDir,
// where the Lodestar tests install the same libraries.
func DefaultLodestarDir() (string, error) {
	dir, err := lodestarstf.DefaultDir()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrLodestar, err)
	}
	return dir, nil
}

// InstallLodestar installs Lodestar's libraries into dir unless they are there, with sharedScript (the peers'
// lodestar-stf.sh) when that exists and npm otherwise (lodestarstf.Install).
func InstallLodestar(ctx context.Context, dir, sharedScript string) error {
	if err := lodestarstf.Install(ctx, dir, sharedScript); err != nil {
		return fmt.Errorf("%w: %w", ErrLodestar, err)
	}
	return nil
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
	script, err := lodestarstf.WriteScript(dir, lodestarScriptName, lodestarScript)
	if err != nil {
		return nil, ready, fmt.Errorf("%w: %w", ErrLodestar, err)
	}
	absFixture, err := filepath.Abs(fixtureDir)
	if err != nil {
		return nil, ready, fmt.Errorf("%w: %w", ErrLodestar, err)
	}
	cmd := lodestarstf.Command(ctx, dir, params.PresetName, "--expose-gc", fmt.Sprintf("--max-old-space-size=%d", heapMiB), script, absFixture)
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
