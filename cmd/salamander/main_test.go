package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/config"
	"github.com/salamander-client/salamander/logging"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/supervisor"
)

// run runs the command line in-process with the given environment and returns its exit code and output.
func run(t *testing.T, environ []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := app{stdout: &out, stderr: &errOut, environ: environ, signals: make(chan os.Signal)}
	code = a.main(args)
	return code, out.String(), errOut.String()
}

func TestConfigCheckExampleFile(t *testing.T) {
	code, stdout, stderr := run(t, nil, "config", "check", "../../config.toml.example")
	if code != exitOK {
		t.Fatalf("config check config.toml.example = %d, stderr:\n%s", code, stderr)
	}
	if stdout != "../../config.toml.example: ok\n" {
		t.Errorf("stdout = %q", stdout)
	}
}

func TestConfigCheckBadFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(file, []byte("[log]\nlevel = \"loud\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, nil, "config", "check", file)
	if code != exitUsage {
		t.Errorf("exit code = %d, want %d", code, exitUsage)
	}
	if want := file + `: log.level: invalid value "loud": want one of debug, info, warn, error` + "\n"; stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
}

// config check sees what run would see: the environment and the flags on top of the file.
func TestConfigCheckAppliesEnvironmentAndFlags(t *testing.T) {
	example := "../../config.toml.example"
	code, _, stderr := run(t, []string{"SALAMANDER_DEBUG_LISTEN=10.0.0.1:6060"}, "config", "check", example)
	if code != exitUsage || !strings.Contains(stderr, "env SALAMANDER_DEBUG_LISTEN: debug.listen") {
		t.Errorf("bad environment: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = run(t, nil, "config", "check", example, "--log-format", "xml")
	if code != exitUsage || !strings.Contains(stderr, "flag --log-format: log.format") {
		t.Errorf("bad flag: exit %d, stderr %q", code, stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"launch"},
		{"config"},
		{"config", "lint", "x.toml"},
		{"config", "check"},
		{"config", "check", "a.toml", "b.toml"},
		{"run", "--no-such-flag"},
		{"run", "extra"},
		{"run", "--log-level"},
		{"dev", "--seconds-per-slot", "0"},
		{"dev", "--seconds-per-slot", "-1"},
		{"version", "--short"},
	} {
		if code, _, stderr := run(t, nil, args...); code != exitUsage || stderr == "" {
			t.Errorf("salamander %q: exit %d, stderr %q; want %d and a message", args, code, stderr, exitUsage)
		}
	}
}

func TestConfigErrorsExitTwo(t *testing.T) {
	code, _, stderr := run(t, []string{"SALAMANDER_LOG_LEVEL=loud"}, "dev")
	if code != exitUsage || !strings.Contains(stderr, `env SALAMANDER_LOG_LEVEL: log.level: invalid value "loud"`) {
		t.Errorf("dev with a bad variable: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = run(t, nil, "run", "--config", filepath.Join(t.TempDir(), "absent.toml"))
	if code != exitUsage || !strings.Contains(stderr, "no such file") {
		t.Errorf("run with a missing file: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = run(t, nil, "dev", "--network", "mainnet")
	if code != exitUsage || !strings.Contains(stderr, "mainnet") {
		t.Errorf("dev on mainnet: exit %d, stderr %q", code, stderr)
	}
}

func TestHelp(t *testing.T) {
	code, stdout, _ := run(t, nil, "help")
	if code != exitOK || !strings.Contains(stdout, "salamander run") {
		t.Errorf("help: exit %d, stdout %q", code, stdout)
	}
	code, _, stderr := run(t, nil, "dev", "--help")
	if code != exitOK || !strings.Contains(stderr, "--seconds-per-slot") || !strings.Contains(stderr, "SALAMANDER_LOG_LEVEL") {
		t.Errorf("dev --help: exit %d, stderr %q", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := run(t, nil, "version")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"salamander ", "commit:  ", "go:      " + runtime.Version(), "preset:  " + params.PresetName} {
		if !strings.Contains(stdout, want) {
			t.Errorf("version output %q lacks %q", stdout, want)
		}
	}
}

// fakeNode stands in for *supervisor.Node. stop decides what Stop does; it defaults to a clean stop.
type fakeNode struct {
	mu      sync.Mutex
	stops   int
	done    chan struct{}
	once    sync.Once
	err     error
	stop    func(ctx context.Context, n *fakeNode) error
	handler http.Handler
}

func newFakeNode() *fakeNode {
	return &fakeNode{done: make(chan struct{}), handler: http.NotFoundHandler()}
}

func (n *fakeNode) Stop(ctx context.Context) error {
	n.mu.Lock()
	n.stops++
	n.mu.Unlock()
	if n.stop != nil {
		return n.stop(ctx, n)
	}
	n.finish(nil)
	return nil
}

func (n *fakeNode) finish(err error) {
	n.once.Do(func() {
		n.err = err
		close(n.done)
	})
}

func (n *fakeNode) Done() <-chan struct{}      { return n.done }
func (n *fakeNode) Err() error                 { return n.err }
func (n *fakeNode) DebugHandler() http.Handler { return n.handler }

func (n *fakeNode) stopCalls() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stops
}

// superviseWith runs supervise on n in the background and returns a channel with its exit code.
func superviseWith(n node, signals chan os.Signal, debugFailed <-chan error) (<-chan int, *bytes.Buffer) {
	var logs bytes.Buffer
	a := app{stdout: &bytes.Buffer{}, stderr: &logs, signals: signals}
	code := make(chan int, 1)
	go func() { code <- a.supervise(n, newTestLogger(&logs), debugFailed, "/data/salamander") }()
	return code, &logs
}

func exitCode(t *testing.T, code <-chan int) int {
	t.Helper()
	select {
	case c := <-code:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("supervise did not return")
		return -1
	}
}

func TestSuperviseSignalStopsCleanly(t *testing.T) {
	n := newFakeNode()
	signals := make(chan os.Signal, 1)
	code, _ := superviseWith(n, signals, nil)
	signals <- syscall.SIGTERM
	if c := exitCode(t, code); c != exitOK {
		t.Errorf("exit code = %d, want 0", c)
	}
	if n.stopCalls() != 1 {
		t.Errorf("Stop called %d times, want 1", n.stopCalls())
	}
}

func TestSuperviseTreeGaveUp(t *testing.T) {
	n := newFakeNode()
	code, logs := superviseWith(n, make(chan os.Signal), nil)
	n.finish(fmt.Errorf("root: %w", supervisor.ErrEscalated))
	if c := exitCode(t, code); c != exitFailure {
		t.Errorf("exit code = %d, want 1", c)
	}
	if n.stopCalls() != 0 {
		t.Errorf("Stop called on a tree that already stopped")
	}
	if !strings.Contains(logs.String(), "Supervision tree gave up") {
		t.Errorf("logs lack the reason:\n%s", logs)
	}
}

func TestSuperviseTreeStoppedUnasked(t *testing.T) {
	n := newFakeNode()
	code, _ := superviseWith(n, make(chan os.Signal), nil)
	n.finish(nil)
	if c := exitCode(t, code); c != exitFailure {
		t.Errorf("exit code = %d, want 1", c)
	}
}

func TestSuperviseSecondSignalForcesExit(t *testing.T) {
	n := newFakeNode()
	release := make(chan struct{})
	defer close(release)
	n.stop = func(context.Context, *fakeNode) error { <-release; return nil } // a stop that hangs
	signals := make(chan os.Signal)
	code, _ := superviseWith(n, signals, nil)
	signals <- os.Interrupt
	signals <- os.Interrupt // accepted only once supervise is listening again, after starting the stop
	if c := exitCode(t, code); c != exitForced {
		t.Errorf("exit code = %d, want %d", c, exitForced)
	}
}

func TestSuperviseStopFails(t *testing.T) {
	n := newFakeNode()
	n.stop = func(ctx context.Context, _ *fakeNode) error {
		return fmt.Errorf("stop tree: %w", context.DeadlineExceeded)
	}
	signals := make(chan os.Signal, 1)
	code, _ := superviseWith(n, signals, nil)
	signals <- os.Interrupt
	if c := exitCode(t, code); c != exitFailure {
		t.Errorf("exit code = %d, want 1", c)
	}
}

func TestSuperviseDebugServerFailureStopsNode(t *testing.T) {
	n := newFakeNode()
	debugFailed := make(chan error, 1)
	code, _ := superviseWith(n, make(chan os.Signal), debugFailed)
	debugFailed <- errors.New("accept: too many open files")
	close(debugFailed)
	if c := exitCode(t, code); c != exitFailure {
		t.Errorf("exit code = %d, want 1", c)
	}
	if n.stopCalls() != 1 {
		t.Errorf("Stop called %d times, want 1", n.stopCalls())
	}
}

func TestRunNodePassesOptions(t *testing.T) {
	cfg, err := config.Load(config.Sources{Defaults: map[string]any{
		"node.data_dir": filepath.Join(t.TempDir(), "data"), "node.network": "devnet",
		"debug.listen": "127.0.0.1:0", "debug.fault_injection": true, "log.format": "json",
	}})
	if err != nil {
		t.Fatal(err)
	}
	genesis := time.Unix(1700000000, 0)
	signals := make(chan os.Signal, 1)
	var got supervisor.Options
	n := newFakeNode()
	start := func(opts supervisor.Options) (node, error) {
		got = opts
		signals <- os.Interrupt // stop as soon as the node is up
		return n, nil
	}
	var logs bytes.Buffer
	a := app{stdout: &bytes.Buffer{}, stderr: &logs, signals: signals}
	if code := a.runNode(cfg, launch{devGenesis: genesis, start: start}); code != exitOK {
		t.Fatalf("exit code = %d, logs:\n%s", code, logs.String())
	}
	spec := cfg.Chain.Spec
	if !got.GenesisTime.Equal(genesis) || got.SecondsPerSlot != spec.SecondsPerSlot || got.SlotsPerEpoch != params.SlotsPerEpoch {
		t.Errorf("options = %+v, want the devnet's genesis and the chain's slot time", got)
	}
	if got.Store.DataDir != cfg.Node.DataDir || got.Store.Options.Network != store.NetworkOf(spec) || got.Store.Options.Reader == nil {
		t.Errorf("store options %+v, want the data directory, the chain's network and a shared reader", got.Store)
	}
	if got.Faults == nil || got.Logger == nil {
		t.Errorf("options lack the fault injector or the logger: %+v", got)
	}
	if _, err := os.Stat(cfg.Node.DataDir); err != nil {
		t.Errorf("data directory not created: %v", err)
	}
	for _, want := range []string{`"msg":"Database is empty: the devnet runs without a chain"`, `"msg":"Debug server listening"`,
		`"msg":"Shutting down"`, `"msg":"Shutdown complete"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs.String())
		}
	}
}

func TestRunNodeStartFailure(t *testing.T) {
	cfg, err := config.Load(config.Sources{Defaults: map[string]any{
		"node.data_dir": t.TempDir(), "node.network": "devnet", "debug.listen": "127.0.0.1:0",
	}})
	if err != nil {
		t.Fatal(err)
	}
	a := app{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, signals: make(chan os.Signal)}
	start := func(supervisor.Options) (node, error) { return nil, errors.New("spawn failed") }
	if code := a.runNode(cfg, launch{devGenesis: time.Now(), start: start}); code != exitFailure {
		t.Errorf("exit code = %d, want 1", code)
	}
}

// A tree stopped by a fatal failure of the store is reported by its cause, with the data directory.
func TestSuperviseFatalStoreFailure(t *testing.T) {
	n := newFakeNode()
	code, logs := superviseWith(n, make(chan os.Signal), nil)
	cause := &store.DiskFailure{Op: "commit", Err: fmt.Errorf("%w: commit to /data/salamander/beacon.db: %w",
		store.ErrDiskFailure, &os.PathError{Op: "write", Path: "/data/salamander/beacon.db", Err: syscall.ENOSPC})}
	n.finish(&supervisor.Escalation{Supervisor: "node", Child: "store", Reason: &actors.Crash{Actor: "store", Value: cause}, Fatal: true})
	if c := exitCode(t, code); c != exitFailure {
		t.Errorf("exit code = %d, want 1", c)
	}
	for _, want := range []string{`"msg":"Database failure: disk full"`, `"data_dir":"/data/salamander"`, "no space left on device"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}

func newTestLogger(w io.Writer) *slog.Logger {
	return logging.New(w, slog.LevelDebug, logging.FormatJSON)
}
