package supervisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/types"
)

// waitDone waits for the node to stop by itself.
func waitDone(t *testing.T, n *Node) {
	t.Helper()
	select {
	case <-n.Done():
	case <-time.After(deadline):
		t.Fatal("the node did not stop")
	}
}

// drain returns the events recorded so far.
func (r *recorder) drain() []event {
	var events []event
	for len(r.events) > 0 {
		events = append(events, <-r.events)
	}
	return events
}

func TestFatalFailureStopsTheNodeWithoutRestarts(t *testing.T) {
	tt := newTestTree()
	// Limits that would restart a hundred times: a fatal failure must not wait for them.
	root := supervise("root", restForOne, quick, tt.worker("a"), tt.worker("b"), tt.worker("c"))
	n := startTree(t, root, nil)
	tt.rec.waitFor(t, event{"c", "started", 1})

	cause := syscall.ENOSPC
	n.system.Root.Send(n.pid("root/a"), &fatalBoom{err: cause})
	waitDone(t, n)

	var stopped []string
	for _, e := range tt.rec.drain() {
		switch e.kind {
		case "started", "restarting":
			t.Errorf("%v after a fatal failure: nothing may restart", e)
		case "stopped":
			stopped = append(stopped, e.actor)
		}
	}
	if want := []string{"c", "b", "a"}; !slices.Equal(stopped, want) {
		t.Errorf("stop order: have %v, want %v", stopped, want)
	}
	err := n.Err()
	var esc *Escalation
	if !errors.As(err, &esc) || !esc.Fatal || esc.Supervisor != "root" || esc.Child != "a" {
		t.Fatalf("Err() = %v, want a fatal escalation by root about a", err)
	}
	for _, target := range []error{ErrEscalated, actors.ErrFatal, syscall.ENOSPC} {
		if !errors.Is(err, target) {
			t.Errorf("Err() = %v does not match %v", err, target)
		}
	}
	if msg := err.Error(); !strings.Contains(msg, "a failed fatally") || !strings.Contains(msg, cause.Error()) {
		t.Errorf("Err() = %q, want it to name the actor and the cause", msg)
	}
	for name, want := range map[string]int{"a": 0, "b": 0, "c": 0} {
		if got := restarts(t, n, name); got != want {
			t.Errorf("%s restarts: have %d, want %d", name, got, want)
		}
	}
	if a, _ := n.Status().Find("a"); !strings.Contains(a.LastFailure, cause.Error()) {
		t.Errorf("a's last failure %q, want the cause", a.LastFailure)
	}
}

// A fatal failure deep in the tree escalates through every supervisor above it, each at once.
func TestFatalFailureEscalatesThroughEverySupervisor(t *testing.T) {
	tt := newTestTree()
	root := supervise("root", oneForOne, quick,
		tt.worker("a"),
		supervise("sub", oneForOne, quick, tt.worker("x"), tt.worker("y")),
		tt.worker("b"),
	)
	n := startTree(t, root, nil)
	tt.rec.waitFor(t, event{"b", "started", 1})

	n.system.Root.Send(n.pid("root/sub/y"), &fatalBoom{err: errors.New("database locked")})
	waitDone(t, n)

	var stopped []string
	for _, e := range tt.rec.drain() {
		switch e.kind {
		case "started", "restarting":
			t.Errorf("%v after a fatal failure: nothing may restart", e)
		case "stopped":
			stopped = append(stopped, e.actor)
		}
	}
	// The root stops its children in reverse order; sub, which gave up, stops its own as protoactor does.
	if len(stopped) != 4 || stopped[0] != "b" || stopped[3] != "a" {
		t.Errorf("stop order: have %v, want b, then sub's x and y, then a", stopped)
	}
	var top *Escalation
	if !errors.As(n.Err(), &top) || !top.Fatal || top.Supervisor != "root" || top.Child != "sub" {
		t.Fatalf("Err() = %v, want a fatal escalation by root about sub", n.Err())
	}
	inner, ok := top.Reason.(*Escalation)
	if !ok || !inner.Fatal || inner.Supervisor != "sub" || inner.Child != "y" {
		t.Fatalf("root's reason %#v, want sub's fatal escalation about y", top.Reason)
	}
	if !errors.Is(n.Err(), actors.ErrFatal) {
		t.Errorf("Err() = %v does not match ErrFatal", n.Err())
	}
	if got := restarts(t, n, "sub"); got != 0 {
		t.Errorf("sub restarts: have %d, want 0", got)
	}
}

// childEnv selects a role when the test binary re-executes itself.
const childEnv = "SALAMANDER_SUPERVISOR_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "store-disk-full":
		if err := storeDiskFullChild(os.Getenv("STORE_DIR")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	default:
		fmt.Fprintf(os.Stderr, "unknown %s=%q\n", childEnv, os.Getenv(childEnv))
		os.Exit(2)
	}
}

// TestStoreDiskFailureStopsTheNode runs the whole tree in a child process whose file size limit makes the disk
// "full" under the store: its write fails for real, the store fails fatally, and the node must stop at once, in
// order, without a single restart.
func TestStoreDiskFailureStopsTheNode(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=store-disk-full", "STORE_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("child: %s", out)
}

func storeDiskFullChild(dir string) error {
	signal.Ignore(syscall.SIGXFSZ) // a write past the limit fails with EFBIG instead of killing the process
	const limit = 1 << 20
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		return fmt.Errorf("setrlimit: %w", err)
	}
	logs := &logCapture{}
	network := store.Network{Preset: params.PresetName, ConfigName: "test"}
	n, err := Start(Options{
		Logger:      slog.New(logs),
		GenesisTime: time.Now(), SecondsPerSlot: 1, SlotsPerEpoch: 8,
		Store:        store.Config{DataDir: dir, Options: store.Options{Network: network, NoSync: true}},
		StartTimeout: deadline,
	})
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	defer func() { _ = n.Stop(context.Background()) }()
	wantStopped := stopOrder(n.Status())

	anchor, err := incompressibleAnchor(2 * limit)
	if err != nil {
		return err
	}
	res, err := n.system.Root.RequestFuture(n.pid("node/store"), anchor, deadline).Result()
	if err != nil {
		return fmt.Errorf("set anchor: %w", err)
	}
	if set := res.(*store.AnchorSet); !errors.Is(set.Err, store.ErrDiskFailure) {
		return fmt.Errorf("set anchor past the file size limit answered %v, want ErrDiskFailure", set.Err)
	}
	select {
	case <-n.Done():
	case <-time.After(deadline):
		return errors.New("the node did not stop after the store's disk failed")
	}

	var esc *Escalation
	switch err := n.Err(); {
	case !errors.As(err, &esc) || !esc.Fatal || esc.Child != "store":
		return fmt.Errorf("Err() = %v, want a fatal escalation about the store", err)
	case !errors.Is(err, store.ErrDiskFailure) || !errors.Is(err, actors.ErrFatal):
		return fmt.Errorf("Err() = %v, want it to match ErrDiskFailure and ErrFatal", err)
	}
	if restarted := logs.matching("Restarting actor"); len(restarted) > 0 {
		return fmt.Errorf("restarted %v after a fatal failure", restarted)
	}
	if stopped := logs.matching("Stopped"); !slices.Equal(stopped, wantStopped) {
		return fmt.Errorf("stop order: have %v, want %v", stopped, wantStopped)
	}
	if got := logs.matching("Fatal failure: escalating without a restart"); !slices.Equal(got, []string{"store"}) {
		return fmt.Errorf("fatal failure logged for %v, want the store", got)
	}
	fmt.Printf("node stopped: %v\n", n.Err())
	return nil
}

// stopOrder is the order a graceful stop follows: children in reverse, each supervisor after its children.
func stopOrder(s ActorStatus) []string {
	var order []string
	for _, c := range slices.Backward(s.Children) {
		order = append(order, stopOrder(c)...)
	}
	return append(order, s.Name)
}

// incompressibleAnchor is a SetAnchor whose state carries size bytes of random balances, which the store's
// compression cannot shrink.
func incompressibleAnchor(size int) (*store.SetAnchor, error) {
	body := &types.BeaconBlockBody{}
	state := &types.BeaconState{
		Fork:              &types.Fork{},
		LatestBlockHeader: &types.BeaconBlockHeader{BodyRoot: types.HashTreeRoot(body)},
		Balances:          make([]primitives.Gwei, size/8),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range state.Balances {
		state.Balances[i] = primitives.Gwei(rng.Uint64())
	}
	stateSSZ, err := types.Marshal(state)
	if err != nil {
		return nil, err
	}
	stateRoot := primitives.Root(types.HashTreeRoot(state))
	block := &types.SignedBeaconBlock{Message: &types.BeaconBlock{StateRoot: stateRoot, Body: body}}
	blockSSZ, err := types.Marshal(block)
	if err != nil {
		return nil, err
	}
	blockRoot := primitives.Root(types.HashTreeRoot(block.Message))
	return &store.SetAnchor{
		Block: store.BlockBlob{Root: blockRoot, SSZ: blockSSZ},
		State: store.StateBlob{Root: stateRoot, BlockRoot: blockRoot, SSZ: stateSSZ},
	}, nil
}
