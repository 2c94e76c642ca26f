package store_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/store/internal/synth"
)

// crashKillsEnv sets how many times TestCrashSIGKILL kills the importer (default 50).
const crashKillsEnv = "SALAMANDER_CRASH_KILLS"

// crashChainEpochs bounds one importer's chain; a child that reaches it exits and the test starts a fresh one.
const crashChainEpochs = 40

func crashConfig(seed uint64) synth.Config {
	cfg := testConfig(seed)
	cfg.StateSize = 16 << 10
	return cfg
}

// TestCrashSIGKILL runs an importer in a child process and kills it with SIGKILL at random moments: during open,
// replay, commits and prunes. After every kill the database must open and pass Verify (every canonical block's
// parent is there, every blob hashes to its key, the finalized state loads and its root matches), the head must
// not go back, and the next child must resume the import from the database.
func TestCrashSIGKILL(t *testing.T) {
	kills := 50
	if v := os.Getenv(crashKillsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", crashKillsEnv, v)
		}
		kills = n
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	seed := rng.Uint64()
	dir := t.TempDir()
	var lastHead primitives.Slot
	var progressed, completed, totalCommits int
	for kill := 0; kill < kills; {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=crash", "STORE_DIR="+dir, "CRASH_SEED="+strconv.FormatUint(seed, 10))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		delay := time.Duration(5+rng.IntN(400)) * time.Millisecond
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("importer failed on its own after kill %d: %v", kill, err)
			}
			// It imported the whole chain: start another one.
			completed++
			seed = rng.Uint64()
			dir = t.TempDir()
			lastHead = 0
			continue
		case <-time.After(delay):
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatalf("kill: %v", err)
			}
			<-exited
			kill++
		}

		db, err := store.Open(dir, store.Options{Network: synth.DefaultNetwork, ColdStateEpochs: 3})
		if err != nil {
			t.Fatalf("open after kill %d (%s in): %v", kill, delay, err)
		}
		rep, err := db.Verify(fullVerify)
		if errors.Is(err, store.ErrNoAnchor) {
			_ = db.Close() // killed before the anchor was written
			continue
		}
		if err != nil {
			t.Fatalf("verify after kill %d (%s in): %v", kill, delay, err)
		}
		anchor, state, err := db.FinalizedState()
		if err != nil || synth.Root(state) != anchor.StateRoot {
			t.Fatalf("finalized state after kill %d: %v", kill, err)
		}
		if rep.Head.Slot < lastHead {
			t.Fatalf("head went back from slot %d to %d after kill %d", lastHead, rep.Head.Slot, kill)
		}
		if rep.Head.Slot > lastHead {
			progressed++
			totalCommits += int(rep.Head.Slot - lastHead)
		}
		lastHead = rep.Head.Slot
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d SIGKILLs, %d restarts resumed with progress, %d slots imported, %d chains completed", kills, progressed, totalCommits, completed)
	if progressed < kills/3 {
		t.Fatalf("only %d of %d restarts made progress: the import does not resume", progressed, kills)
	}
}

// crashChild imports the deterministic chain of CRASH_SEED into STORE_DIR, resuming from what the database has,
// until it is killed or the chain is complete.
func crashChild() int {
	seed, err := strconv.ParseUint(os.Getenv("CRASH_SEED"), 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "CRASH_SEED:", err)
		return 2
	}
	db, err := store.Open(os.Getenv("STORE_DIR"), store.Options{Network: synth.DefaultNetwork, ColdStateEpochs: 3})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		return 1
	}
	g := synth.New(crashConfig(seed))
	if _, err := db.Anchor(); errors.Is(err, store.ErrNoAnchor) {
		if err := db.SetAnchor(g.Anchor()); err != nil {
			fmt.Fprintln(os.Stderr, "anchor:", err)
			return 1
		}
	}
	if need, err := db.NeedsPrune(); err != nil || need {
		if _, err := db.Prune(); err != nil {
			fmt.Fprintln(os.Stderr, "resume prune:", err)
			return 1
		}
	}
	for {
		b := g.Next()
		if b.Block.Slot > crashChainEpochs*params.SlotsPerEpoch {
			return 0
		}
		skip, err := alreadyImported(db, b.Block)
		if err != nil {
			fmt.Fprintln(os.Stderr, "resume:", err)
			return 1
		}
		if skip {
			continue
		}
		res, err := db.Commit(b)
		if err != nil {
			fmt.Fprintf(os.Stderr, "commit block at slot %d: %v\n", b.Block.Slot, err)
			return 1
		}
		if res.FinalityAdvanced {
			if _, err := db.Prune(); err != nil {
				fmt.Fprintln(os.Stderr, "prune:", err)
				return 1
			}
		}
	}
}

// alreadyImported tells whether the generator's block was committed before the crash, or lost to finality (its
// branch does not descend from the anchor), in which case the importer would not import it either.
func alreadyImported(db *store.DB, b *store.BlockBlob) (bool, error) {
	anchor, err := db.Anchor()
	if err != nil {
		return false, err
	}
	if b.Slot <= anchor.BlockSlot {
		return true, nil
	}
	if ok, err := db.HasBlock(b.Root); err != nil || ok {
		return ok, err
	}
	for root := b.ParentRoot; ; {
		s, err := db.BlockSummary(root)
		if errors.Is(err, store.ErrNotFound) {
			return true, nil // a pruned branch
		}
		if err != nil {
			return false, err
		}
		if s.Slot <= anchor.BlockSlot {
			return s.Root != anchor.BlockRoot, nil
		}
		root = s.ParentRoot
	}
}

func signalIgnoreXFSZ() { signal.Ignore(syscall.SIGXFSZ) }
