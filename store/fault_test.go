package store_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/store/internal/synth"
)

// childEnv selects a role when the test binary re-executes itself.
const childEnv = "SALAMANDER_STORE_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "diskfull":
		os.Exit(diskFullChild())
	case "readonly":
		os.Exit(readOnlyChild())
	case "crash":
		os.Exit(crashChild())
	case "diskfull-actor":
		os.Exit(diskFullActorChild())
	default:
		fmt.Fprintf(os.Stderr, "unknown %s=%q\n", childEnv, os.Getenv(childEnv))
		os.Exit(2)
	}
}

func TestWrongNetworkRefused(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, store.Options{})
	g := synth.New(testConfig(8))
	importBlocks(t, db, g, 10)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	other := synth.DefaultNetwork
	other.FuluForkVersion = primitives.Version{0x70, 0, 0, 0x99}
	other.ConfigName = "holesky-like"
	_, err := store.Open(dir, store.Options{Network: other})
	if !errors.Is(err, store.ErrWrongNetwork) {
		t.Fatalf("open with another FULU_FORK_VERSION: %v, want ErrWrongNetwork", err)
	}
	for _, want := range []string{"FULU_FORK_VERSION", "0x70000042", "0x70000099", `"synthetic"`, `"holesky-like"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	other = synth.DefaultNetwork
	other.Preset = "minimal-or-other"
	if _, err := store.Open(dir, store.Options{Network: other}); !errors.Is(err, store.ErrWrongNetwork) || !strings.Contains(err.Error(), "preset") {
		t.Fatalf("open with another preset: %v, want ErrWrongNetwork naming the preset", err)
	}
	other = synth.DefaultNetwork
	other.GenesisForkVersion = primitives.Version{1, 2, 3, 4}
	if _, err := store.Open(dir, store.Options{Network: other}); !errors.Is(err, store.ErrWrongNetwork) || !strings.Contains(err.Error(), "GENESIS_FORK_VERSION") {
		t.Fatalf("open with another genesis fork version: %v, want ErrWrongNetwork", err)
	}

	// Same config, another genesis (two devnets made from one config file).
	db = openTest(t, dir, store.Options{})
	err = db.CheckGenesis(primitives.Root{0x01}, 1_700_000_000)
	if !errors.Is(err, store.ErrWrongNetwork) || !strings.Contains(err.Error(), "genesis validators root") {
		t.Fatalf("other genesis validators root: %v", err)
	}
	if err := db.CheckGenesis(primitives.Root{0xaa, 0xbb}, 1_700_000_001); !errors.Is(err, store.ErrWrongNetwork) || !strings.Contains(err.Error(), "genesis time") {
		t.Fatalf("other genesis time: %v", err)
	}
	if err := db.CheckGenesis(primitives.Root{0xaa, 0xbb}, 1_700_000_000); err != nil {
		t.Fatalf("own genesis: %v", err)
	}

	// An anchor state of another fork is refused before anything is written.
	other = synth.DefaultNetwork
	other.FuluForkVersion = primitives.Version{0x70, 0, 0, 0x99}
	fresh := openTest(t, t.TempDir(), store.Options{Network: other})
	if err := fresh.SetAnchor(synth.New(testConfig(9)).Anchor()); !errors.Is(err, store.ErrWrongNetwork) || !strings.Contains(err.Error(), "FULU_FORK_VERSION") {
		t.Fatalf("anchor of another fork: %v", err)
	}
	if _, ok, _ := fresh.Identity(); ok {
		t.Fatal("a refused anchor wrote an identity")
	}
}

func TestLockedDatabaseGivesClearError(t *testing.T) {
	dir := t.TempDir()
	openTest(t, dir, store.Options{})
	start := time.Now()
	_, err := store.Open(dir, store.Options{Network: synth.DefaultNetwork, LockTimeout: 300 * time.Millisecond})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "another salamander") {
		t.Errorf("error %q does not say what to do", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("lock wait took %s, want about the timeout", waited)
	}
	if _, err := store.Compact(dir, 300*time.Millisecond); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("compact of an open database: %v, want ErrLocked", err)
	}
}

// TestNotWritableGivesClearError opens a database in a read-only directory and a read-only database file. Root
// ignores permission bits, so as root the checks run in a child process with the uid of nobody.
func TestNotWritableGivesClearError(t *testing.T) {
	base, err := os.MkdirTemp("", "salamander-ro-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(filepath.Join(base, "ro"), 0o755); _ = os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	// A read-only directory, and a writable directory holding a database file someone made read-only.
	roDir, fileDir := filepath.Join(base, "ro"), filepath.Join(base, "rofile")
	for _, d := range []string{roDir, fileDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	db := openTest(t, fileDir, store.Options{})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(store.Path(fileDir), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(roDir, 0o555); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		if err := checkNotWritable(roDir, fileDir); err != nil {
			t.Fatal(err)
		}
		return
	}
	// Run as nobody: the test binary must be reachable for that user.
	bin := filepath.Join(base, "store.test")
	if err := copyFile(os.Args[0], bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=readonly", "RO_DIR="+roDir, "RO_FILE_DIR="+fileDir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child as nobody: %v\n%s", err, out)
	}
}

func readOnlyChild() int {
	if err := checkNotWritable(os.Getenv("RO_DIR"), os.Getenv("RO_FILE_DIR")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func checkNotWritable(roDir, fileDir string) error {
	opts := store.Options{Network: synth.DefaultNetwork, LockTimeout: time.Second}
	for _, dir := range []string{filepath.Join(roDir, "datadir"), roDir, fileDir} {
		db, err := store.Open(dir, opts)
		if err == nil {
			_ = db.Close()
			return fmt.Errorf("open %s succeeded, want ErrNotWritable", dir)
		}
		if !errors.Is(err, store.ErrNotWritable) || !strings.Contains(err.Error(), "permission denied") {
			return fmt.Errorf("open %s: %v, want ErrNotWritable with the cause", dir, err)
		}
	}
	return nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// TestDiskFullIsFatalAndLosesNothing fills the disk under a child process (a file-size limit: writes beyond it
// fail like a full disk, EFBIG instead of ENOSPC) and checks that the commit fails with ErrDiskFailure, the store
// closes, and the database reopens with every commit before the failure.
func TestDiskFullIsFatalAndLosesNothing(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=diskfull", "STORE_DIR="+dir)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var lastRoot string
	var commits int
	if _, err := fmt.Sscanf(string(out), "%d %s", &commits, &lastRoot); err != nil {
		t.Fatalf("child output %q: %v", out, err)
	}
	if commits < 10 {
		t.Fatalf("disk filled after %d commits: the limit is too small to test anything", commits)
	}
	db := openTest(t, dir, store.Options{})
	rep, err := db.Verify(fullVerify)
	if err != nil {
		t.Fatalf("verify after disk full: %v", err)
	}
	if got := fmt.Sprintf("%#x", rep.Head.Root); got != lastRoot {
		t.Fatalf("head after reopen %s, last successful commit set %s", got, lastRoot)
	}
	// With space again, the node carries on.
	g := synth.New(diskFullConfig())
	for range commits {
		g.Next()
	}
	importBlocks(t, db, g, params.SlotsPerEpoch)
}

// diskFullConfig makes big states, so that the disk fills in a few dozen blocks.
func diskFullConfig() synth.Config {
	cfg := testConfig(10)
	cfg.StateSize = 128 << 10
	return cfg
}

func diskFullChild() int {
	signalIgnoreXFSZ()
	const limit = 2 << 20
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		fmt.Fprintln(os.Stderr, "setrlimit:", err)
		return 1
	}
	db, err := store.Open(os.Getenv("STORE_DIR"), store.Options{Network: synth.DefaultNetwork})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		return 1
	}
	g := synth.New(diskFullConfig())
	if err := db.SetAnchor(g.Anchor()); err != nil {
		fmt.Fprintln(os.Stderr, "anchor:", err)
		return 1
	}
	last := g.Anchor().Block.Root
	for i := 0; i < 100_000; i++ {
		b := g.Next()
		res, err := db.Commit(b)
		if err != nil {
			if !errors.Is(err, store.ErrDiskFailure) {
				fmt.Fprintln(os.Stderr, "commit failed, but not with ErrDiskFailure:", err)
				return 1
			}
			// The store closed itself: nothing more gets written.
			if _, err := db.Head(); !errors.Is(err, store.ErrUnavailable) {
				fmt.Fprintln(os.Stderr, "read after disk failure:", err)
				return 1
			}
			fmt.Printf("%d %#x\n", i, last)
			return 0
		}
		last = res.Head.Root
		if res.FinalityAdvanced {
			if _, err := db.Prune(); err != nil {
				if !errors.Is(err, store.ErrDiskFailure) {
					fmt.Fprintln(os.Stderr, "prune failed, but not with ErrDiskFailure:", err)
					return 1
				}
				fmt.Printf("%d %#x\n", i+1, last)
				return 0
			}
		}
	}
	fmt.Fprintln(os.Stderr, "the disk never filled")
	return 1
}

func TestReadersDuringWritesAndRestart(t *testing.T) {
	dir := t.TempDir()
	reader := store.NewReader()
	if _, err := reader.Head(); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("reader before open: %v, want ErrUnavailable", err)
	}
	db := openTest(t, dir, store.Options{Reader: reader, ColdStateEpochs: 2})
	g := synth.New(testConfig(11))
	if err := db.SetAnchor(g.Anchor()); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for reads := 0; ; reads++ {
				select {
				case <-done:
					return
				default:
				}
				ch, err := reader.LoadChain()
				if err != nil {
					errs <- fmt.Errorf("load chain after %d reads: %w", reads, err)
					return
				}
				if _, err := reader.Block(ch.Head.Root); err != nil {
					errs <- fmt.Errorf("head block: %w", err)
					return
				}
			}
		}()
	}
	importBlocks(t, db, g, 4*params.SlotsPerEpoch)
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// The reader survives the owner closing and reopening the database.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Head(); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("reader while closed: %v, want ErrUnavailable", err)
	}
	openTest(t, dir, store.Options{Reader: reader, ColdStateEpochs: 2})
	if h, err := reader.Head(); err != nil || h != g.Head() {
		t.Fatalf("reader after reopen: %+v %v", h, err)
	}
}

func TestCompactShrinksAndKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir, store.Options{ColdStateEpochs: 4})
	cfg := testConfig(12)
	cfg.StateSize = 64 << 10
	g := synth.New(cfg)
	importBlocks(t, db, g, 12*params.SlotsPerEpoch)
	before, err := db.Verify(fullVerify)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := store.Compact(dir, time.Second)
	if err != nil {
		t.Fatalf("compact: %v", err)
	}
	t.Logf("compact: %d -> %d bytes, %d keys, %s", res.SizeBefore, res.SizeAfter, res.KeysCopied, res.Duration)
	if res.SizeAfter >= res.SizeBefore {
		t.Fatalf("compaction did not shrink the file: %d -> %d", res.SizeBefore, res.SizeAfter)
	}
	if _, err := os.Stat(res.TemporaryPath); !os.IsNotExist(err) {
		t.Fatalf("temporary file left behind: %v", err)
	}
	db = openTest(t, dir, store.Options{ColdStateEpochs: 4})
	after, err := db.Verify(fullVerify)
	if err != nil {
		t.Fatalf("verify after compact: %v", err)
	}
	if after != before {
		t.Fatalf("after compaction %+v, before %+v", after, before)
	}
	importBlocks(t, db, g, params.SlotsPerEpoch)
}

func TestForeignFileRefused(t *testing.T) {
	dir := t.TempDir()
	foreign, err := bbolt.Open(store.Path(dir), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := foreign.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("x")); return err }); err != nil {
		t.Fatal(err)
	}
	_ = foreign.Close()
	if _, err := store.Compact(dir, time.Second); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("compact of a foreign bbolt file: %v, want ErrCorrupt", err)
	}
	if _, err := store.Open(dir, store.Options{Network: synth.DefaultNetwork}); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("open of a foreign bbolt file: %v, want ErrCorrupt", err)
	}
	if _, err := store.Compact(t.TempDir(), time.Second); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("compact of an empty directory: %v, want ErrNotFound", err)
	}
}

// TestVerifyReportsMalformedRecords damages one record's length at a time: Verify must report ErrCorrupt, not crash
// on a key or value it cannot decode.
func TestVerifyReportsMalformedRecords(t *testing.T) {
	for _, tc := range []struct {
		name, bucket string
		key, value   []byte
	}{
		{"block summary key", "block_summaries", []byte{1}, make([]byte, 72)},
		{"block slot index key", "blocks_by_slot", []byte{1, 2, 3}, nil},
		{"canonical index key", "canonical", []byte{1, 2, 3}, make([]byte, 32)},
		{"canonical index entry", "canonical", []byte{0x7f, 0, 0, 0, 0, 0, 0, 0}, []byte{1, 2, 3}},
		{"state summary key", "state_summaries", []byte{1}, make([]byte, 40)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := openTest(t, dir, store.Options{})
			importBlocks(t, db, synth.New(testConfig(3)), 2*int(params.SlotsPerEpoch))
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			bdb, err := bbolt.Open(store.Path(dir), 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = bdb.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte(tc.bucket)).Put(tc.key, tc.value) })
			if closeErr := bdb.Close(); err == nil {
				err = closeErr
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := store.VerifyDir(dir, 0, store.VerifyOptions{}); !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("verify: %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestCorruptFileRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(store.Path(dir), []byte(strings.Repeat("not a database ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(dir, store.Options{Network: synth.DefaultNetwork}); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("open of garbage: %v, want ErrCorrupt", err)
	}
}
