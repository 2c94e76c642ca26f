package devnet_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds salamander with the minimal preset, as README command 1 runs it.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "salamander")
	build := exec.Command("go", "build", "-tags", "minimal", "-o", bin, "./cmd/salamander")
	build.Dir = repoRoot(t)
	build.Env = append(os.Environ(), "CGO_CFLAGS=-O2 -D__BLST_PORTABLE__")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// cleanEnv is the environment without SALAMANDER_ variables, which would change the node's configuration.
func cleanEnv() []string {
	var env []string
	for _, v := range os.Environ() {
		if !strings.HasPrefix(v, "SALAMANDER_") {
			env = append(env, v)
		}
	}
	return env
}

// record is the part of a JSON log line the tests read.
type record struct {
	Time          time.Time `json:"time"`
	Level         string    `json:"level"`
	Msg           string    `json:"msg"`
	Actor         string    `json:"actor"`
	Slot          uint64    `json:"slot"`
	Root          string    `json:"root"`
	Proposer      uint64    `json:"proposer"`
	Attestations  int       `json:"attestations"`
	Attesters     int       `json:"attesters"`
	Epoch         uint64    `json:"epoch"`
	Participation string    `json:"participation"`
	Justified     uint64    `json:"justified"`
	Finalized     uint64    `json:"finalized"`
	HeadSlot      uint64    `json:"head_slot"`
	Err           string    `json:"err"`
	Reason        string    `json:"reason"`
}

// participation is the Epoch line's participation, in percent.
func (r record) participation() float64 {
	p, err := strconv.ParseFloat(strings.TrimSuffix(r.Participation, "%"), 64)
	if err != nil {
		return -1
	}
	return p
}

// node is a running `salamander dev` process whose JSON log lines the test reads.
type node struct {
	t      *testing.T
	cmd    *exec.Cmd
	lines  chan string
	exited chan error
	done   bool
	log    []string // every line read, for failure messages
}

// startNode runs `salamander dev` on dataDir with JSON logs, no debug server and args.
func startNode(t *testing.T, bin, dataDir string, args ...string) *node {
	t.Helper()
	args = append([]string{"dev", "--data-dir", dataDir, "--log-format", "json", "--debug-listen", ""}, args...)
	n := &node{t: t, cmd: exec.Command(bin, args...), lines: make(chan string, 4096), exited: make(chan error, 1)}
	n.cmd.Env = cleanEnv()
	stderr, err := n.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(n.lines)
		scanner := bufio.NewScanner(stderr)
		scanner.Buffer(nil, 1<<20)
		for scanner.Scan() {
			n.lines <- scanner.Text()
		}
		n.exited <- n.cmd.Wait()
	}()
	t.Cleanup(func() {
		if !n.done {
			_ = n.cmd.Process.Kill()
			for range n.lines {
			}
			<-n.exited
		}
	})
	return n
}

// next returns the next log record, or false when the process exited or the deadline passed.
func (n *node) next(deadline time.Time) (record, bool) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		select {
		case line, ok := <-n.lines:
			if !ok {
				return record{}, false
			}
			n.log = append(n.log, line)
			var r record
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				continue // not a log record (a panic's output): kept in n.log
			}
			return r, true
		case <-timer.C:
			return record{}, false
		}
	}
}

// waitFor reads records until match accepts one, within timeout.
func (n *node) waitFor(what string, timeout time.Duration, match func(record) bool) record {
	n.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		r, ok := n.next(deadline)
		if !ok {
			n.t.Fatalf("salamander dev did not log %s within %s:\n%s", what, timeout, n.tail(60))
		}
		if match(r) {
			return r
		}
	}
}

// interrupt sends SIGINT, reads the remaining lines and returns the exit code.
func (n *node) interrupt() int {
	n.t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGINT); err != nil {
		n.t.Fatal(err)
	}
	deadline := time.Now().Add(40 * time.Second)
	for {
		if _, ok := n.next(deadline); !ok {
			break
		}
	}
	if time.Now().After(deadline) {
		n.t.Fatalf("salamander dev did not exit within 40s of SIGINT:\n%s", n.tail(40))
	}
	n.done = true
	err := <-n.exited
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		n.t.Fatal(err)
	}
	return 0
}

// rss is the process's resident set size in bytes, 0 when unknown.
func (n *node) rss() int64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", n.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

func (n *node) tail(lines int) string {
	return strings.Join(n.log[max(0, len(n.log)-lines):], "\n")
}

// chainLog is what a run logged about the chain.
type chainLog struct {
	blocks    map[uint64]record // Block lines by slot
	epochs    []record          // Epoch lines
	missed    []uint64          // Slot missed lines
	finalized uint64            // the highest finalized epoch logged
	head      uint64            // the highest block slot logged
	failures  []string          // ERROR lines
}

func newChainLog() *chainLog { return &chainLog{blocks: map[uint64]record{}} }

// add takes a record into the log.
func (c *chainLog) add(r record) {
	switch {
	case r.Msg == "Block" && r.Actor == "blocksync":
		c.blocks[r.Slot] = r
		c.head = max(c.head, r.Slot)
	case r.Msg == "Epoch" && r.Actor == "blocksync":
		c.epochs = append(c.epochs, r)
		c.finalized = max(c.finalized, r.Finalized)
	case r.Msg == "Slot missed":
		c.missed = append(c.missed, r.Slot)
	}
	if r.Level == "ERROR" {
		c.failures = append(c.failures, r.Msg+": "+r.Err+r.Reason)
	}
}
