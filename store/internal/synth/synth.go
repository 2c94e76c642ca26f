// Package synth generates a deterministic synthetic chain for the store's tests: SignedBeaconBlock and BeaconState
// blobs whose fixed SSZ fields are real (slot, parent, state root, latest block header, genesis, fork) and whose
// bodies are filler, with sha256 standing in for hash_tree_root. The store never hashes, so this exercises every
// code path of it: forks, reorgs, checkpoint states, finality and pruning.
package synth

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
)

// Config shapes a synthetic chain.
type Config struct {
	Seed        uint64
	StateSize   int     // bytes of a state blob (at least 176)
	BodySize    int     // bytes of a block body
	SkipRate    float64 // probability that a slot has no canonical block
	ForkRate    float64 // probability that a slot also gets a competing block
	ReorgRate   float64 // probability that the next canonical block builds on the last competing block
	GenesisTime uint64
	GVR         primitives.Root
	Network     store.Network
}

// DefaultNetwork is the Network the generator's states claim.
var DefaultNetwork = store.Network{
	Preset:             params.PresetName,
	ConfigName:         "synthetic",
	GenesisForkVersion: primitives.Version{0x10, 0, 0, 0x42},
	FuluForkVersion:    primitives.Version{0x70, 0, 0, 0x42},
}

type block struct {
	root, parent, stateRoot primitives.Root
	slot                    primitives.Slot
}

// Generator yields one Batch per block, as an importer with fork choice would.
type Generator struct {
	cfg       Config
	rng       *rand.Rand
	blocks    map[primitives.Root]block
	head      block
	rival     *block // the last competing block, a reorg candidate
	slot      primitives.Slot
	epoch     primitives.Epoch // the epoch of the last checkpoint state emitted
	emitted   map[primitives.Root]bool
	finalized store.Checkpoint
	anchor    store.AnchorInput
	pending   []*store.Batch
}

// New builds a generator and its genesis anchor at slot 0.
func New(cfg Config) *Generator {
	if cfg.StateSize < 176 {
		cfg.StateSize = 176
	}
	if cfg.Network.Preset == "" {
		cfg.Network = DefaultNetwork
	}
	g := &Generator{
		cfg:     cfg,
		rng:     rand.New(rand.NewPCG(cfg.Seed, 0x5a1a)),
		blocks:  map[primitives.Root]block{},
		emitted: map[primitives.Root]bool{},
	}
	post := g.stateSSZ(0, block{}, primitives.Root{})
	stateRoot := Root(post)
	genesis := g.blockSSZ(0, primitives.Root{}, stateRoot)
	b := block{root: Root(genesis), stateRoot: stateRoot}
	g.blocks[b.root] = b
	g.head = b
	g.emitted[stateRoot] = true
	g.finalized = store.Checkpoint{Root: b.root}
	g.anchor = store.AnchorInput{
		Block: store.BlockBlob{Root: b.root, SSZ: genesis},
		State: store.StateBlob{Root: stateRoot, BlockRoot: b.root, SSZ: post},
	}
	return g
}

// Anchor is the genesis block and state.
func (g *Generator) Anchor() store.AnchorInput { return g.anchor }

// Head is the generator's canonical head.
func (g *Generator) Head() store.Head { return store.Head{Root: g.head.root, Slot: g.head.slot} }

// Finalized is the last finalized checkpoint the generator emitted.
func (g *Generator) Finalized() store.Checkpoint { return g.finalized }

// Next returns the next batch: a canonical block (with the head, checkpoint states and checkpoints) or a competing
// block that fork choice keeps but does not make head.
func (g *Generator) Next() *store.Batch {
	for len(g.pending) == 0 {
		g.advanceSlot()
	}
	b := g.pending[0]
	g.pending = g.pending[1:]
	return b
}

func (g *Generator) advanceSlot() {
	g.slot++
	if g.rng.Float64() < g.cfg.SkipRate {
		return
	}
	parent := g.head
	if g.rival != nil && g.rival.slot < g.slot && g.rng.Float64() < g.cfg.ReorgRate {
		parent = *g.rival
	}
	g.rival = nil
	canonical := g.makeBlock(g.slot, parent)
	g.head = canonical
	batch := &store.Batch{Block: g.blob(canonical), Head: &canonical.root}

	if e := primitives.Epoch(uint64(g.slot) / params.SlotsPerEpoch); e > g.epoch {
		g.epoch = e
		if st := g.checkpointState(e); st != nil {
			batch.States = append(batch.States, *st)
		}
		if e >= 2 {
			justified := store.Checkpoint{Epoch: e - 1, Root: g.checkpointRoot(e - 1)}
			finalized := store.Checkpoint{Epoch: e - 2, Root: g.checkpointRoot(e - 2)}
			if st := g.checkpointState(e - 2); st != nil {
				batch.States = append(batch.States, *st)
			}
			batch.Justified = &justified
			if finalized.Epoch > g.finalized.Epoch {
				batch.Finalized = &finalized
				g.finalized = finalized
			}
		}
	}
	g.pending = append(g.pending, batch)

	if g.rng.Float64() < g.cfg.ForkRate {
		// A competing block at the same slot on the head's grandparent: a branch fork choice may switch to.
		rivalParent, ok := g.blocks[parent.parent]
		if ok && rivalParent.slot > g.finalizedSlot() {
			rival := g.makeBlock(g.slot, rivalParent)
			g.rival = &rival
			g.pending = append(g.pending, &store.Batch{Block: g.blob(rival)})
		}
	}
}

func (g *Generator) finalizedSlot() primitives.Slot { return g.blocks[g.finalized.Root].slot }

// checkpointRoot is the canonical block at or before the epoch's first slot.
func (g *Generator) checkpointRoot(e primitives.Epoch) primitives.Root {
	start := primitives.Slot(uint64(e) * params.SlotsPerEpoch)
	b := g.head
	for b.slot > start {
		b = g.blocks[b.parent]
	}
	return b.root
}

// checkpointState is the state of the epoch's checkpoint, unless already emitted.
func (g *Generator) checkpointState(e primitives.Epoch) *store.StateBlob {
	start := primitives.Slot(uint64(e) * params.SlotsPerEpoch)
	b := g.blocks[g.checkpointRoot(e)]
	var ssz []byte
	if b.slot == start {
		ssz = g.stateSSZ(start, b, primitives.Root{})
	} else {
		ssz = g.stateSSZ(start, b, b.stateRoot)
	}
	root := Root(ssz) // equals b.stateRoot when the state is the block's own post-state
	if g.emitted[root] {
		return nil
	}
	g.emitted[root] = true
	return &store.StateBlob{Root: root, BlockRoot: b.root, Slot: start, SSZ: ssz}
}

func (g *Generator) makeBlock(slot primitives.Slot, parent block) block {
	b := block{parent: parent.root, slot: slot}
	b.stateRoot = Root(g.stateSSZ(slot, b, primitives.Root{}))
	b.root = Root(g.blockSSZ(slot, parent.root, b.stateRoot))
	g.blocks[b.root] = b
	return b
}

func (g *Generator) blob(b block) *store.BlockBlob {
	return &store.BlockBlob{Root: b.root, Slot: b.slot, ParentRoot: b.parent, SSZ: g.blockSSZ(b.slot, b.parent, b.stateRoot)}
}

// blockSSZ lays out a SignedBeaconBlock: offset | signature | slot | proposer | parent | state root | offset | body.
// The body is derived from the slot and parent so that the same block always has the same bytes.
func (g *Generator) blockSSZ(slot primitives.Slot, parent, stateRoot primitives.Root) []byte {
	b := make([]byte, 0, 184+g.cfg.BodySize)
	b = binary.LittleEndian.AppendUint32(b, 100)
	b = append(b, make([]byte, 96)...)
	b = binary.LittleEndian.AppendUint64(b, uint64(slot))
	b = binary.LittleEndian.AppendUint64(b, uint64(slot)%64)
	b = append(b, parent[:]...)
	b = append(b, stateRoot[:]...)
	b = binary.LittleEndian.AppendUint32(b, 84)
	return append(b, filler(g.cfg.BodySize, uint64(slot), parent)...)
}

// stateSSZ lays out a BeaconState's leading fields and filler: the post-state of b (headerStateRoot zero) or b's
// state advanced to slot (headerStateRoot = b's state root).
func (g *Generator) stateSSZ(slot primitives.Slot, b block, headerStateRoot primitives.Root) []byte {
	s := make([]byte, 0, g.cfg.StateSize)
	s = binary.LittleEndian.AppendUint64(s, g.cfg.GenesisTime)
	s = append(s, g.cfg.GVR[:]...)
	s = binary.LittleEndian.AppendUint64(s, uint64(slot))
	s = append(s, g.cfg.Network.FuluForkVersion[:]...)
	s = append(s, g.cfg.Network.FuluForkVersion[:]...)
	s = binary.LittleEndian.AppendUint64(s, 0)
	s = binary.LittleEndian.AppendUint64(s, uint64(b.slot))
	s = binary.LittleEndian.AppendUint64(s, uint64(b.slot)%64)
	s = append(s, b.parent[:]...)
	s = append(s, headerStateRoot[:]...)
	s = append(s, make([]byte, 32)...)
	return append(s, filler(g.cfg.StateSize-len(s), uint64(slot), b.parent)...)
}

// filler is n deterministic bytes, half compressible, like real SSZ (zeros and repeated validators beside hashes).
func filler(n int, slot uint64, salt primitives.Root) []byte {
	out := make([]byte, n)
	seed := sha256.Sum256(binary.LittleEndian.AppendUint64(salt[:], slot))
	r := rand.NewChaCha8(seed)
	for i := 0; i < n; i += 64 {
		_, _ = r.Read(out[i:min(i+32, n)])
	}
	return out
}

// Root stands in for hash_tree_root.
func Root(ssz []byte) primitives.Root { return sha256.Sum256(ssz) }
