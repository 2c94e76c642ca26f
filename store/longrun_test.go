package store_test

import (
	"os"
	"strconv"
	"testing"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/store/internal/synth"
)

// longRunEpochsEnv sets how many epochs TestFileSizePlateausUnderPruning imports (default 120).
const longRunEpochsEnv = "SALAMANDER_STORE_LONGRUN_EPOCHS"

// TestFileSizePlateausUnderPruning imports a long chain with forks, reorgs and a checkpoint state every epoch, with
// a bounded history, and checks that the file stops growing: bbolt reuses the pages pruning frees.
func TestFileSizePlateausUnderPruning(t *testing.T) {
	epochs := 120
	if v := os.Getenv(longRunEpochsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 40 {
			t.Fatalf("%s=%q: want a number of epochs of at least 40", longRunEpochsEnv, v)
		}
		epochs = n
	}
	const history, cold = 8, 4
	dir := t.TempDir()
	db := openTest(t, dir, store.Options{ColdStateEpochs: cold, HistoryEpochs: history, NoSync: true})
	cfg := testConfig(30)
	cfg.StateSize = 256 << 10
	cfg.BodySize = 2 << 10
	g := synth.New(cfg)
	if err := db.SetAnchor(g.Anchor()); err != nil {
		t.Fatal(err)
	}
	sizes := make([]int64, 0, epochs)
	for e := 0; e < epochs; e++ {
		importBlocks(t, db, g, params.SlotsPerEpoch)
		st, err := db.SpaceStats()
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, st.HighWater)
		if e%10 == 0 {
			t.Logf("epoch %d: file %.2f MiB, high water %.2f MiB, free %.2f MiB", e, mib(st.FileSize), mib(st.HighWater), mib(st.FreeBytes))
		}
	}
	if _, err := db.Verify(store.VerifyOptions{}); err != nil {
		t.Fatalf("verify after the long run: %v", err)
	}
	// The retained window fills within history+finality epochs; after that the file must stop growing. bbolt
	// allocates a big value in contiguous free pages, so the high-water mark moves in steps of a few states while
	// fragmentation settles: the second half may add a few states' worth of pages, never the state per epoch (and
	// more) that a store without pruning adds.
	earlier, later := peakOf(sizes[epochs/4:epochs/2]), peakOf(sizes[epochs/2:])
	t.Logf("%d epochs (%d blocks, %d KiB states, history %d epochs, cold every %d): high water %.2f MiB by epoch %d, %.2f MiB by the end",
		epochs, epochs*params.SlotsPerEpoch, cfg.StateSize>>10, history, cold, mib(earlier), epochs/2, mib(later))
	slack := int64(earlier/10) + 4*int64(cfg.StateSize)
	if unpruned := int64(epochs/2) * int64(cfg.StateSize) / cold; slack >= unpruned/2 {
		t.Fatalf("test too short to tell: slack %.2f MiB against %.2f MiB that the second half adds unpruned", mib(slack), mib(unpruned))
	}
	if later > earlier+slack {
		t.Fatalf("the file kept growing: peak %.2f MiB in epochs %d-%d, %.2f MiB in epochs %d-%d (allowed %.2f MiB more)",
			mib(earlier), epochs/4, epochs/2, mib(later), epochs/2, epochs, mib(slack))
	}
}

func peakOf(sizes []int64) int64 {
	var peak int64
	for _, s := range sizes {
		peak = max(peak, s)
	}
	return peak
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
