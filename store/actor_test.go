package store_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/store/internal/synth"
)

// failureRecorder is a guardian that records its child's failure reasons and restarts or stops the child.
type failureRecorder struct {
	reasons chan any
	restart bool
}

func (f *failureRecorder) HandleFailure(_ *actor.ActorSystem, sup actor.Supervisor, child *actor.PID, _ *actor.RestartStatistics, reason, _ any) {
	f.reasons <- reason
	if f.restart {
		sup.RestartChildren(child)
	} else {
		sup.StopChildren(child)
	}
}

func spawnStore(t *testing.T, cfg store.Config, restart bool, faults *actors.FaultInjector) (*actor.ActorSystem, *actor.PID, *failureRecorder) {
	t.Helper()
	system := quietSystem()
	rec := &failureRecorder{reasons: make(chan any, 16), restart: restart}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	props := actors.NewProps("store", func() actor.Actor { return store.NewActor(cfg) }, actors.WithLogger(logger), actors.WithFaults(faults)).
		Configure(actor.WithGuardian(rec))
	pid, err := system.Root.SpawnNamed(props, "store")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })
	return system, pid, rec
}

// quietSystem is an actor system that does not log protoactor's own lines.
func quietSystem() *actor.ActorSystem {
	return actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}))
}

func ask[Resp any](t *testing.T, system *actor.ActorSystem, pid *actor.PID, req any) Resp {
	t.Helper()
	res, err := system.Root.RequestFuture(pid, req, 10*time.Second).Result()
	if err != nil {
		t.Fatalf("request %T: %v", req, err)
	}
	resp, ok := res.(Resp)
	if !ok {
		t.Fatalf("request %T: reply %T", req, res)
	}
	return resp
}

func putBlockMessage(b *store.Batch) *store.PutBlock {
	return &store.PutBlock{
		Root: b.Block.Root, Slot: b.Block.Slot, ParentRoot: b.Block.ParentRoot, SSZ: b.Block.SSZ,
		States: b.States, Head: b.Head, Justified: b.Justified, Finalized: b.Finalized,
	}
}

func TestActorImportsPrunesAndSurvivesRestart(t *testing.T) {
	reader := store.NewReader()
	cfg := store.Config{DataDir: t.TempDir(), Options: store.Options{Network: synth.DefaultNetwork, Reader: reader, ColdStateEpochs: 2}}
	faults := actors.NewSeededFaultInjector(1)
	system, pid, rec := spawnStore(t, cfg, true, faults)
	g := synth.New(testConfig(20))

	if r := ask[*store.ChainResponse](t, system, pid, &store.LoadChainRequest{}); !errors.Is(r.Err, store.ErrNoAnchor) {
		t.Fatalf("load chain of an empty database: %v, want ErrNoAnchor", r.Err)
	}
	a := g.Anchor()
	if r := ask[*store.AnchorSet](t, system, pid, &store.SetAnchor{Block: a.Block, State: a.State}); r.Err != nil || r.Anchor.BlockRoot != a.Block.Root {
		t.Fatalf("set anchor: %+v", r)
	}
	if r := ask[*store.AnchorSet](t, system, pid, &store.SetAnchor{Block: a.Block, State: a.State}); !errors.Is(r.Err, store.ErrAlreadyAnchored) {
		t.Fatalf("second anchor: %v, want ErrAlreadyAnchored", r.Err)
	}
	finalityMoves := 0
	for range 5 * params.SlotsPerEpoch {
		b := g.Next()
		r := ask[*store.BlockPut](t, system, pid, putBlockMessage(b))
		if r.Err != nil {
			t.Fatalf("put block: %v", r.Err)
		}
		if r.FinalityAdvanced {
			finalityMoves++
		}
	}
	// Bad input is refused and changes nothing; the actor keeps running.
	bad := &store.PutBlock{Root: primitives.Root{1}, Slot: 10_000, ParentRoot: primitives.Root{2}, SSZ: []byte{1, 2, 3}}
	if r := ask[*store.BlockPut](t, system, pid, bad); !errors.Is(r.Err, store.ErrMalformedSSZ) {
		t.Fatalf("malformed block: %v", r.Err)
	}
	st := ask[*store.StatusResponse](t, system, pid, &store.StatusRequest{}).Status
	if finalityMoves == 0 || st.Pruned.Blocks+st.Pruned.States == 0 || st.Head != g.Head() || st.Commits != 5*params.SlotsPerEpoch {
		t.Fatalf("after %d finality moves, status %+v", finalityMoves, st)
	}
	head := g.Head()
	if r := ask[*store.BlockResponse](t, system, pid, &store.GetBlock{Root: head.Root}); r.Err != nil || r.Block.Slot != head.Slot {
		t.Fatalf("get head block: %+v", r.Err)
	}
	if r := ask[*store.BlockResponse](t, system, pid, &store.GetBlock{Root: primitives.Root{9}}); !errors.Is(r.Err, store.ErrNotFound) {
		t.Fatalf("get unknown block: %v", r.Err)
	}
	chain := ask[*store.ChainResponse](t, system, pid, &store.LoadChainRequest{})
	if chain.Err != nil {
		t.Fatal(chain.Err)
	}
	if r := ask[*store.StateResponse](t, system, pid, &store.GetState{Root: chain.Chain.Anchor.StateRoot}); r.Err != nil || synth.Root(r.SSZ) != chain.Chain.Anchor.StateRoot {
		t.Fatalf("get anchor state: %v", r.Err)
	}

	// A crash: the actor restarts, reopens the database and carries on from the same head; the shared reader
	// works again afterwards.
	if err := faults.Set("store", actors.Fault{PanicNext: 1}); err != nil {
		t.Fatal(err)
	}
	system.Root.Send(pid, &store.StatusRequest{})
	select {
	case reason := <-rec.reasons:
		var injected *actors.InjectedPanic
		if err, _ := reason.(error); !errors.As(err, &injected) {
			t.Fatalf("failure reason %T %v", reason, reason)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the injected panic did not fail the store")
	}
	if h := ask[*store.StatusResponse](t, system, pid, &store.StatusRequest{}).Status.Head; h != head {
		t.Fatalf("head after restart %+v, want %+v", h, head)
	}
	if h, err := reader.Head(); err != nil || h != head {
		t.Fatalf("reader after restart: %+v %v", h, err)
	}
	b := g.Next()
	if r := ask[*store.BlockPut](t, system, pid, putBlockMessage(b)); r.Err != nil {
		t.Fatalf("put block after restart: %v", r.Err)
	}
}

func TestActorFailsWhenTheDatabaseIsLocked(t *testing.T) {
	dir := t.TempDir()
	openTest(t, dir, store.Options{}) // another process, as far as the lock goes
	cfg := store.Config{DataDir: dir, Options: store.Options{Network: synth.DefaultNetwork, LockTimeout: 100 * time.Millisecond}}
	_, _, rec := spawnStore(t, cfg, false, nil)
	select {
	case reason := <-rec.reasons:
		err, _ := reason.(error)
		var failure *store.DiskFailure
		if !errors.Is(err, store.ErrLocked) || !errors.As(err, &failure) || failure.Op != "open" {
			t.Fatalf("failure reason %v, want a DiskFailure of open matching ErrLocked", reason)
		}
		if !actors.IsFatal(reason) {
			t.Errorf("failure reason %v is not fatal: a supervisor would restart the store into the same lock", reason)
		}
		if got := store.Describe(err); got != "Database is locked by another process" {
			t.Errorf("Describe(%v) = %q", err, got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the store started on a locked database")
	}
}

// TestActorFailsOnDiskFull runs the store actor in a child process whose file size limit fills the disk: the
// write is answered with ErrDiskFailure, then the actor fails with a DiskFailure.
func TestActorFailsOnDiskFull(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=diskfull-actor", "STORE_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("child: %s", out)
}

func diskFullActorChild() int {
	signalIgnoreXFSZ()
	const limit = 1 << 20
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		fmt.Fprintln(os.Stderr, "setrlimit:", err)
		return 1
	}
	system := quietSystem()
	rec := &failureRecorder{reasons: make(chan any, 4)}
	cfg := store.Config{DataDir: os.Getenv("STORE_DIR"), Options: store.Options{Network: synth.DefaultNetwork}}
	props := actors.NewProps("store", func() actor.Actor { return store.NewActor(cfg) },
		actors.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))).Configure(actor.WithGuardian(rec))
	pid, err := system.Root.SpawnNamed(props, "store")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	gcfg := testConfig(21)
	gcfg.StateSize = 128 << 10 // fill the disk in a few dozen blocks
	g := synth.New(gcfg)
	a := g.Anchor()
	if _, err := system.Root.RequestFuture(pid, &store.SetAnchor{Block: a.Block, State: a.State}, 10*time.Second).Result(); err != nil {
		fmt.Fprintln(os.Stderr, "anchor:", err)
		return 1
	}
	for i := 0; i < 100_000; i++ {
		// A commit fails with the disk full and is answered so; a prune fails on its own. Either way the actor
		// must then fail with a DiskFailure.
		res, err := system.Root.RequestFuture(pid, putBlockMessage(g.Next()), 10*time.Second).Result()
		if err == nil {
			put := res.(*store.BlockPut)
			if put.Err == nil {
				continue
			}
			if !errors.Is(put.Err, store.ErrDiskFailure) {
				fmt.Fprintln(os.Stderr, "write refused, but not with ErrDiskFailure:", put.Err)
				return 1
			}
		}
		select {
		case reason := <-rec.reasons:
			var failure *store.DiskFailure
			if err, _ := reason.(error); !errors.As(err, &failure) || !errors.Is(err, store.ErrDiskFailure) || !actors.IsFatal(reason) {
				fmt.Fprintf(os.Stderr, "failure reason %T %v, want a fatal DiskFailure\n", reason, reason)
				return 1
			}
			// bbolt keeps the errno of a failed write but only the text of a failed grow, so the cause may be
			// missing from the line; the full error goes beside it.
			if got := store.Describe(failure); !strings.HasPrefix(got, "Database failure") {
				fmt.Fprintf(os.Stderr, "Describe(%v) = %q, want a database failure\n", failure, got)
				return 1
			}
			fmt.Printf("after %d blocks the store failed in %s: %v\n", i, failure.Op, reason)
			return 0
		case <-time.After(10 * time.Second):
			fmt.Fprintln(os.Stderr, "the store answered a disk failure but did not fail; request error:", err)
			return 1
		}
	}
	fmt.Fprintln(os.Stderr, "the disk never filled")
	return 1
}
