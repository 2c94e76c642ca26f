package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/salamander-client/salamander/params"
)

// TestBinary builds the salamander binary, with this test's preset, and runs it as a user would.
func TestBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "salamander")
	args := []string{"build", "-o", bin}
	if params.PresetName == "minimal" {
		args = append(args, "-tags", "minimal")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Env = append(os.Environ(), "CGO_CFLAGS=-O2 -D__BLST_PORTABLE__")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	t.Run("dev stops cleanly on SIGINT", func(t *testing.T) { testDevStopsOnInterrupt(t, bin) })
	t.Run("dev exits 1 when the tree gives up", func(t *testing.T) { testDevExitsWhenTreeGivesUp(t, bin) })
	t.Run("config check", func(t *testing.T) { testConfigCheck(t, bin) })
}

// cleanEnv is the test's environment without SALAMANDER_ variables, which would change the node's config.
func cleanEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(v string) bool { return strings.HasPrefix(v, "SALAMANDER_") })
}

// logRecord is the part of a JSON log line the test reads.
type logRecord struct {
	Msg   string `json:"msg"`
	Actor string `json:"actor"`
	URL   string `json:"url"`
}

// actorStatus is the part of /debug/actors the test reads.
type actorStatus struct {
	Name     string        `json:"name"`
	Kind     string        `json:"kind"`
	Children []actorStatus `json:"children"`
}

// workers lists the tree's workers in start order (depth first).
func (s actorStatus) workers() []string {
	if s.Kind == "worker" {
		return []string{s.Name}
	}
	var out []string
	for _, c := range s.Children {
		out = append(out, c.workers()...)
	}
	return out
}

// stopOrder is the order a graceful stop must follow: children in reverse, each supervisor after its children.
func (s actorStatus) stopOrder() []string {
	var out []string
	for _, c := range slices.Backward(s.Children) {
		out = append(out, c.stopOrder()...)
	}
	return append(out, s.Name)
}

// devProcess is a running `salamander dev` whose JSON log lines the test reads as they come.
type devProcess struct {
	t        *testing.T
	cmd      *exec.Cmd
	logLines chan logLine
	exited   chan error
	waited   bool
	lines    []string // every line read so far, for failure messages
	records  []logRecord
}

type logLine struct {
	text   string
	record logRecord
}

// startDev starts `salamander dev` with one-second slots, JSON logs and a debug server on a free port.
func startDev(t *testing.T, bin string, args ...string) *devProcess {
	t.Helper()
	args = append([]string{"dev", "--seconds-per-slot", "1", "--debug-listen", "127.0.0.1:0",
		"--log-format", "json", "--log-level", "debug", "--data-dir", t.TempDir()}, args...)
	p := &devProcess{t: t, cmd: exec.Command(bin, args...), logLines: make(chan logLine, 1024), exited: make(chan error, 1)}
	p.cmd.Env = cleanEnv()
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.logLines)
		scanner := bufio.NewScanner(stderr)
		scanner.Buffer(nil, 1<<20) // restart lines carry stacks
		for scanner.Scan() {
			l := logLine{text: scanner.Text()}
			if err := json.Unmarshal([]byte(l.text), &l.record); err != nil {
				l.record.Msg = "unparsable: " + l.text
			}
			p.logLines <- l
		}
		p.exited <- p.cmd.Wait() // only once stderr is drained, as exec requires
	}()
	t.Cleanup(func() {
		if !p.waited {
			_ = p.cmd.Process.Kill()
			for range p.logLines {
			}
			<-p.exited
		}
	})
	return p
}

func (p *devProcess) logs() string { return strings.Join(p.lines, "\n") }

// waitFor reads log lines until one satisfies match, and returns it.
func (p *devProcess) waitFor(what string, match func(logRecord) bool) logRecord {
	p.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-p.logLines:
			if !ok {
				p.waited = true
				p.t.Fatalf("salamander dev exited (%v) before logging %s:\n%s", <-p.exited, what, p.logs())
			}
			p.lines = append(p.lines, l.text)
			p.records = append(p.records, l.record)
			if match(l.record) {
				return l.record
			}
		case <-deadline:
			p.t.Fatalf("salamander dev did not log %s within 30s:\n%s", what, p.logs())
		}
	}
}

// wait reads the remaining log lines and returns the exit code.
func (p *devProcess) wait() int {
	p.t.Helper()
	deadline := time.After(30 * time.Second)
	for open := true; open; { // stderr closes when the process exits
		select {
		case l, ok := <-p.logLines:
			if ok {
				p.lines = append(p.lines, l.text)
				p.records = append(p.records, l.record)
			}
			open = ok
		case <-deadline:
			p.t.Fatalf("salamander dev did not exit within 30s:\n%s", p.logs())
		}
	}
	p.waited = true
	err := <-p.exited
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		p.t.Fatal(err)
	}
	return 0
}

// debugTree reads /debug/actors from the URL the node logged.
func (p *devProcess) debugTree(url string) actorStatus {
	p.t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var tree actorStatus
	if err := json.Unmarshal(body, &tree); err != nil || resp.StatusCode != http.StatusOK || len(tree.Children) == 0 {
		p.t.Fatalf("GET %s = %d %s (%v), want the tree as JSON", url, resp.StatusCode, body, err)
	}
	return tree
}

func isSlot(r logRecord) bool { return r.Msg == "Slot" && r.Actor == "clock" }

func isDebugServer(r logRecord) bool { return r.Msg == "Debug server listening" }

func testDevStopsOnInterrupt(t *testing.T, bin string) {
	p := startDev(t, bin)
	url := p.waitFor("the debug server's address", isDebugServer).URL
	p.waitFor("a slot", isSlot)
	tree := p.debugTree(url)

	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(); code != exitOK {
		t.Fatalf("salamander dev after SIGINT: exit %d, want 0\n%s", code, p.logs())
	}

	// Workers stop in exactly the reverse of their start order, and each supervisor after its children.
	workers := tree.workers()
	var started, stopped []string
	for _, r := range p.records {
		switch {
		case r.Actor == "":
		case (r.Msg == "Started" || strings.HasPrefix(r.Msg, "Started;")) && slices.Contains(workers, r.Actor):
			started = append(started, r.Actor)
		case r.Msg == "Stopped":
			stopped = append(stopped, r.Actor)
		}
	}
	if !slices.Equal(started, workers) {
		t.Errorf("workers started in the order %q, want the tree's %q", started, workers)
	}
	if want := tree.stopOrder(); !slices.Equal(stopped, want) {
		t.Errorf("actors stopped in the order %q, want %q\n%s", stopped, want, p.logs())
	}
	if last := p.records[len(p.records)-1]; last.Msg != "Shutdown complete" {
		t.Errorf("last log line %q, want Shutdown complete", last.Msg)
	}
}

// testDevExitsWhenTreeGivesUp crashes the clock on every tick through the fault-injection endpoint until the
// root supervisor gives up: the process must stop the tree and exit 1, without a signal.
func testDevExitsWhenTreeGivesUp(t *testing.T, bin string) {
	p := startDev(t, bin, "--debug-fault-injection")
	url := p.waitFor("the debug server's address", isDebugServer).URL
	p.waitFor("a slot", isSlot)

	faultURL := strings.TrimSuffix(url, "/debug/actors") + "/debug/faults/clock"
	resp, err := http.Post(faultURL, "application/json", strings.NewReader(`{"panic_prob":1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s = %d", faultURL, resp.StatusCode)
	}

	if code := p.wait(); code != exitFailure {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailure, p.logs())
	}
	var gaveUp, storeStopped bool
	for _, r := range p.records {
		gaveUp = gaveUp || r.Msg == "Supervision tree gave up"
		storeStopped = storeStopped || (r.Msg == "Stopped" && r.Actor == "store")
	}
	if !gaveUp || !storeStopped {
		t.Errorf("logs lack the reason or the stop of the tree:\n%s", p.logs())
	}
}

func testConfigCheck(t *testing.T, bin string) {
	check := func(file string) (int, string) {
		cmd := exec.Command(bin, "config", "check", file)
		cmd.Env = cleanEnv()
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), string(out)
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}

	if code, out := check("../../config.toml.example"); code != 0 {
		t.Errorf("config check config.toml.example: exit %d\n%s", code, out)
	}

	bad := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(bad, []byte("[debug]\nlisten = \"0.0.0.0:6060\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out := check(bad)
	if code != exitUsage || !strings.Contains(out, bad+": debug.listen: invalid value \"0.0.0.0:6060\"") {
		t.Errorf("config check on a bad file: exit %d, output %q; want %d naming the key", code, out, exitUsage)
	}
}
