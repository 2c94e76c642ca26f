package store

import (
	"encoding/binary"
	"fmt"

	"github.com/salamander-client/salamander/primitives"
)

// The store keeps SSZ blobs and never decodes whole containers, but a few fixed-offset fields let it catch a blob
// paired with the wrong root or slot before it lands on disk.

// SignedBeaconBlock: offset(message) | signature[96] | message: slot | proposer_index | parent_root | state_root |
// offset(body) | body.
const (
	signedBlockMessageOffset = 4 + 96
	blockSlotAt              = signedBlockMessageOffset
	blockParentRootAt        = blockSlotAt + 8 + 8
	blockStateRootAt         = blockParentRootAt + 32
	blockFixedEnd            = blockStateRootAt + 32 + 4
)

// BeaconState: genesis_time | genesis_validators_root | slot | fork{previous, current, epoch} |
// latest_block_header{slot, proposer_index, parent_root, state_root, body_root} | ...
const (
	stateGenesisTimeAt    = 0
	stateGVRAt            = 8
	stateSlotAt           = 40
	stateForkCurrentAt    = 52
	stateHeaderSlotAt     = 64
	stateHeaderParentAt   = 80
	stateHeaderStateRtAt  = 112
	stateHeaderBodyRootAt = 144
	stateFixedPrefixEnd   = 176
)

// BlockFields are the fixed fields of a SignedBeaconBlock's message.
type BlockFields struct {
	Slot       primitives.Slot
	ParentRoot primitives.Root
	StateRoot  primitives.Root
}

// ParseBlockFields reads slot, parent root and state root from a SignedBeaconBlock's SSZ.
func ParseBlockFields(ssz []byte) (BlockFields, error) {
	if len(ssz) < blockFixedEnd {
		return BlockFields{}, fmt.Errorf("%w: signed block of %d bytes, need at least %d", ErrMalformedSSZ, len(ssz), blockFixedEnd)
	}
	if off := binary.LittleEndian.Uint32(ssz); off != signedBlockMessageOffset {
		return BlockFields{}, fmt.Errorf("%w: signed block message offset %d, want %d", ErrMalformedSSZ, off, signedBlockMessageOffset)
	}
	var f BlockFields
	f.Slot = primitives.Slot(binary.LittleEndian.Uint64(ssz[blockSlotAt:]))
	copy(f.ParentRoot[:], ssz[blockParentRootAt:])
	copy(f.StateRoot[:], ssz[blockStateRootAt:])
	return f, nil
}

// StateFields are the fixed leading fields of a BeaconState.
type StateFields struct {
	GenesisTime           uint64
	GenesisValidatorsRoot primitives.Root
	Slot                  primitives.Slot
	CurrentForkVersion    primitives.Version
	HeaderSlot            primitives.Slot
	HeaderParentRoot      primitives.Root
	HeaderStateRoot       primitives.Root
	HeaderBodyRoot        primitives.Root
}

// ParseStateFields reads the leading fixed fields of a BeaconState's SSZ.
func ParseStateFields(ssz []byte) (StateFields, error) {
	if len(ssz) < stateFixedPrefixEnd {
		return StateFields{}, fmt.Errorf("%w: beacon state of %d bytes, need at least %d", ErrMalformedSSZ, len(ssz), stateFixedPrefixEnd)
	}
	var f StateFields
	f.GenesisTime = binary.LittleEndian.Uint64(ssz[stateGenesisTimeAt:])
	copy(f.GenesisValidatorsRoot[:], ssz[stateGVRAt:])
	f.Slot = primitives.Slot(binary.LittleEndian.Uint64(ssz[stateSlotAt:]))
	copy(f.CurrentForkVersion[:], ssz[stateForkCurrentAt:])
	f.HeaderSlot = primitives.Slot(binary.LittleEndian.Uint64(ssz[stateHeaderSlotAt:]))
	copy(f.HeaderParentRoot[:], ssz[stateHeaderParentAt:])
	copy(f.HeaderStateRoot[:], ssz[stateHeaderStateRtAt:])
	copy(f.HeaderBodyRoot[:], ssz[stateHeaderBodyRootAt:])
	return f, nil
}

// checkStateOfBlock checks that a state (with the given root) is the post-state of the block, possibly advanced
// through empty slots: its latest block header is the block's, and the block commits to the state root.
func checkStateOfBlock(stateRoot primitives.Root, st StateFields, blockRoot primitives.Root, b BlockFields) error {
	switch {
	case st.HeaderSlot != b.Slot:
		return fmt.Errorf("%w: state %#x latest block header slot %d, block %#x has slot %d", ErrMismatch, stateRoot, st.HeaderSlot, blockRoot, b.Slot)
	case st.HeaderParentRoot != b.ParentRoot:
		return fmt.Errorf("%w: state %#x latest block header parent %#x, block %#x has parent %#x", ErrMismatch, stateRoot, st.HeaderParentRoot, blockRoot, b.ParentRoot)
	case st.Slot < b.Slot:
		return fmt.Errorf("%w: state %#x at slot %d is older than its block %#x at slot %d", ErrMismatch, stateRoot, st.Slot, blockRoot, b.Slot)
	}
	// A post-block state's header has a zero state root until the next slot fills it in; an advanced state's header
	// carries the block's state root.
	if st.Slot == b.Slot {
		if b.StateRoot != stateRoot {
			return fmt.Errorf("%w: block %#x commits to state root %#x, have state %#x", ErrMismatch, blockRoot, b.StateRoot, stateRoot)
		}
		return nil
	}
	if st.HeaderStateRoot != b.StateRoot {
		return fmt.Errorf("%w: advanced state %#x header state root %#x, block %#x commits to %#x", ErrMismatch, stateRoot, st.HeaderStateRoot, blockRoot, b.StateRoot)
	}
	return nil
}
