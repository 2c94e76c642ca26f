package store_test

import (
	"testing"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/store/internal/synth"
)

// benchConfig is a devnet-sized chain: 2.7 MB states (a mainnet-preset state with few validators), 10 KiB blocks.
func benchConfig() synth.Config {
	cfg := testConfig(40)
	cfg.StateSize = 2_700_000
	cfg.BodySize = 10 << 10
	return cfg
}

// openAnchored opens a new store in a temporary directory, closed when the benchmark ends, and anchors it at the
// anchor of a generator of benchConfig chains, which it returns for the blocks after the anchor.
func openAnchored(b *testing.B, opts store.Options) (*store.DB, *synth.Generator) {
	b.Helper()
	db, err := store.Open(b.TempDir(), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	g := synth.New(benchConfig())
	if err := db.SetAnchor(g.Anchor()); err != nil {
		b.Fatal(err)
	}
	return db, g
}

// BenchmarkCommitBlock measures one imported block's transaction, fsync included, with a checkpoint state every
// epoch and pruning as finality moves: the store's cost per slot.
func BenchmarkCommitBlock(b *testing.B) {
	db, g := openAnchored(b, store.Options{Network: synth.DefaultNetwork, ColdStateEpochs: 4, HistoryEpochs: 8})
	batches := make([]*store.Batch, b.N)
	for i := range batches {
		batches[i] = g.Next()
	}
	b.ResetTimer()
	for _, batch := range batches {
		res, err := db.Commit(batch)
		if err != nil {
			b.Fatal(err)
		}
		if res.FinalityAdvanced {
			if _, err := db.Prune(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkReadBlock measures a Reader's block read (a read transaction and a snappy decode).
func BenchmarkReadBlock(b *testing.B) {
	db, g := openAnchored(b, store.Options{Network: synth.DefaultNetwork, NoSync: true})
	var roots []store.BlockBlob
	for range params.SlotsPerEpoch {
		batch := g.Next()
		if _, err := db.Commit(batch); err != nil {
			b.Fatal(err)
		}
		roots = append(roots, *batch.Block)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.Block(roots[i%len(roots)].Root); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadFinalizedState measures reading the anchor state a restart begins with.
func BenchmarkLoadFinalizedState(b *testing.B) {
	db, g := openAnchored(b, store.Options{Network: synth.DefaultNetwork, NoSync: true})
	b.SetBytes(int64(len(g.Anchor().State.SSZ)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := db.FinalizedState(); err != nil {
			b.Fatal(err)
		}
	}
}
