package transition

import (
	"context"
	"errors"
	"testing"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/types"
)

func TestApplyBlockAppliesAChain(t *testing.T) {
	c := newTestChain(t)
	for _, noCache := range []bool{false, true} {
		name := "tree-hash cache"
		if noCache {
			name = "whole-state hashing"
		}
		t.Run(name, func(t *testing.T) {
			source := newMemorySource(c.anchorRoot, c.anchor)
			engine := &countingEngine{}
			core := newCore(Config{Spec: c.spec, Engine: engine, States: source, NoTreeHashCache: noCache})
			for _, signed := range []*types.SignedBeaconBlock{c.b1, c.b2} {
				res := core.applyBlock(t.Context(), encode(t, signed))
				applied, err := res.Result()
				if err != nil {
					t.Fatal(err)
				}
				blk := signed.Message
				want := BlockApplied{
					BlockRoot: types.HashTreeRoot(blk), ParentRoot: blk.ParentRoot, PostStateRoot: blk.StateRoot,
					Slot: blk.Slot, ProposerIndex: blk.ProposerIndex, Summary: summarize(blk.Body), Took: applied.Took,
				}
				if *applied != want || applied.Took <= 0 {
					t.Errorf("have %+v, want %+v", *applied, want)
				}
			}
			if n := core.states.len(); n != 3 {
				t.Errorf("holds %d states, want the anchor and two post-states", n)
			}
			if n := source.loads.Load(); n != 1 {
				t.Errorf("loaded %d states, want the anchor once", n)
			}

			// A block applied before is answered without a second transition.
			calls := engine.calls.Load()
			applied, err := core.applyBlock(t.Context(), encode(t, c.b1)).Result()
			if err != nil || applied.Took != 0 || applied.PostStateRoot != c.b1.Message.StateRoot {
				t.Errorf("applying b1 again: %+v, %v", applied, err)
			}
			if engine.calls.Load() != calls {
				t.Error("applying b1 again ran its transition again")
			}
		})
	}
}

func TestSummarizeCountsTheBody(t *testing.T) {
	c := newTestChain(t)
	s := summarize(c.b1.Message.Body)
	body := c.b1.Message.Body
	if s.Attestations != len(body.Attestations) || s.Attestations == 0 || s.Attesters == 0 ||
		s.SyncCommitteeBits == 0 || s.Transactions != 4 || s.BlobKZGCommitments != len(body.BlobKZGCommitments) ||
		s.Withdrawals != len(body.ExecutionPayload.Withdrawals) {
		t.Errorf("summary %+v of a body with %d attestations, 4 transactions, %d blobs, %d withdrawals", s,
			len(body.Attestations), len(body.BlobKZGCommitments), len(body.ExecutionPayload.Withdrawals))
	}
}

func TestApplyBlockRejectsAndKeepsThePreState(t *testing.T) {
	c := newTestChain(t)
	wrongSignature := c.b2.Signature // a valid signature, of another block
	for _, tc := range []struct {
		name  string
		block func(t *testing.T) []byte
		want  []error
	}{
		{"malformed SSZ", func(t *testing.T) []byte { return encode(t, c.b1)[:100] }, []error{ErrMalformedBlock, types.ErrInvalidSSZ}},
		{"unknown parent", func(t *testing.T) []byte { return encode(t, c.b2) }, []error{ErrUnknownParentState}},
		{"bad proposer signature", func(t *testing.T) []byte {
			return corrupt(t, c.b1, func(b *types.SignedBeaconBlock) { b.Signature = wrongSignature })
		}, []error{block.ErrInvalidBlockSignature}},
		{"wrong state root", func(t *testing.T) []byte {
			return corrupt(t, c.b1, func(b *types.SignedBeaconBlock) {
				b.Message.StateRoot[0] ^= 1
				c.resignB1(t, b)
			})
		}, []error{ErrStateRootMismatch}},
		{"invalid attestation", func(t *testing.T) []byte {
			return corrupt(t, c.b1, func(b *types.SignedBeaconBlock) { b.Message.Body.Attestations[0].Data.Slot++ })
		}, []error{block.ErrInvalidAttestation}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			core := newCore(Config{Spec: c.spec, Engine: block.AcceptAllEngine{}, States: newMemorySource(c.anchorRoot, c.anchor)})
			raw := tc.block(t)
			res := core.applyBlock(t.Context(), raw)
			rejected, ok := res.(*BlockRejected)
			if !ok {
				t.Fatalf("have %T, want a rejection", res)
			}
			for _, want := range tc.want {
				if !errors.Is(rejected.Err, want) {
					t.Errorf("have %v, want %v", rejected.Err, want)
				}
			}
			if _, err := res.Result(); err != rejected.Err {
				t.Errorf("Result returned %v, want %v", err, rejected.Err)
			}
			if len(raw) > 100 && rejected.Slot == 0 {
				t.Errorf("a decoded block's rejection has no slot: %+v", rejected)
			}

			// The pre-state, if loaded, is as it was, and the valid block applies on it.
			if held, ok := core.states.get(c.anchorRoot); ok {
				if root := held.state.HashTreeRoot(); root != held.root {
					t.Errorf("the anchor's root became %#x, was %#x", root, held.root)
				}
				if held.hash != nil {
					if root, err := held.hash.HashTreeRoot(held.state); err != nil || root != held.root {
						t.Errorf("the anchor's tree-hash cache gives %#x, %v; want %#x", root, err, held.root)
					}
				}
			}
			if n := core.states.len(); n > 1 {
				t.Errorf("holds %d states after a rejection, want at most the anchor", n)
			}
			if _, err := core.applyBlock(t.Context(), encode(t, c.b1)).Result(); err != nil {
				t.Fatalf("the valid block after the invalid one: %v", err)
			}
		})
	}
}

func TestApplyBlockWithoutChain(t *testing.T) {
	c := newTestChain(t)
	for name, cfg := range map[string]Config{
		"zero config": {},
		"no source":   {Spec: c.spec, Engine: block.AcceptAllEngine{}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := newCore(cfg).applyBlock(t.Context(), encode(t, c.b1)).Result()
			if !errors.Is(err, ErrUnknownParentState) {
				t.Fatalf("have %v, want %v", err, ErrUnknownParentState)
			}
		})
	}
	t.Run("no engine", func(t *testing.T) {
		core := newCore(Config{Spec: c.spec, States: newMemorySource(c.anchorRoot, c.anchor)})
		if _, err := core.applyBlock(t.Context(), encode(t, c.b1)).Result(); !errors.Is(err, ErrNoExecutionEngine) {
			t.Fatalf("have %v, want %v", err, ErrNoExecutionEngine)
		}
	})
}

// failingSource fails every load.
type failingSource struct{}

var errDisk = errors.New("disk on fire")

func (failingSource) StateByBlockRoot(context.Context, primitives.Root) (*types.BeaconState, bool, error) {
	return nil, false, errDisk
}

func TestApplyBlockReportsSourceFailures(t *testing.T) {
	c := newTestChain(t)
	core := newCore(Config{Spec: c.spec, Engine: block.AcceptAllEngine{}, States: failingSource{}})
	if _, err := core.applyBlock(t.Context(), encode(t, c.b1)).Result(); !errors.Is(err, errDisk) {
		t.Fatalf("have %v, want %v", err, errDisk)
	}
}

func TestEvictedStatesAreLoadedAgain(t *testing.T) {
	c := newTestChain(t)
	source := newMemorySource(c.anchorRoot, c.anchor)
	core := newCore(Config{Spec: c.spec, Engine: block.AcceptAllEngine{}, States: source, MaxStates: 2})
	for _, signed := range []*types.SignedBeaconBlock{c.b1, c.b2, c.sibling} {
		if _, err := core.applyBlock(t.Context(), encode(t, signed)).Result(); err != nil {
			t.Fatalf("slot %d: %v", signed.Message.Slot, err)
		}
		if n := core.states.len(); n > 2 {
			t.Fatalf("holds %d states, limit 2", n)
		}
	}
	// b2 evicted the anchor; the sibling needed it again.
	if n := source.loads.Load(); n != 2 {
		t.Errorf("loaded %d states, want the anchor twice", n)
	}
}

func TestStateSetEvictsTheLeastRecentlyUsed(t *testing.T) {
	s := newStateSet(2)
	a, b, c := primitives.Root{1}, primitives.Root{2}, primitives.Root{3}
	s.put(a, &heldState{})
	s.put(b, &heldState{})
	s.get(a) // b is now the least recently used
	s.put(c, &heldState{})
	if _, ok := s.get(b); ok {
		t.Error("b is still held")
	}
	for _, root := range []primitives.Root{a, c} {
		if _, ok := s.get(root); !ok {
			t.Errorf("%x was evicted", root[:1])
		}
	}
	s.put(a, &heldState{}) // replacing evicts nothing
	if s.len() != 2 {
		t.Errorf("holds %d, want 2", s.len())
	}
}
