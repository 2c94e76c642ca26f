package blocksync

import (
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/types"
)

// The blocksync actor's messages. Blocks and attestations cross its boundary as SSZ; what it reports is roots,
// slots and counts. Every message is immutable once sent.

// ImportBlock asks the blocksync actor to import a signed block: the state transition with every check, the store
// (the block, and a state when it is the first of an epoch), fork choice, then the store's head and checkpoints. A
// block whose parent is unknown waits in the pending queue until the parent is imported. Send it with a request
// for an *ImportResult, or with Send when nobody waits for it.
type ImportBlock struct {
	// SSZ is the encoding of the SignedBeaconBlock.
	SSZ []byte
}

// ImportResult answers an ImportBlock once the block is in the store and in fork choice, or was refused.
type ImportResult struct {
	Root primitives.Root
	Slot primitives.Slot
	Err  error
}

// OnAttestation gives fork choice an attestation its sender indexed and verified (the in-process validators'
// own, or gossip's); the blocksync actor passes it on in order with the blocks.
type OnAttestation struct {
	// IndexedAttestation is the SSZ encoding of the IndexedAttestation.
	IndexedAttestation []byte
}

// StatusRequest asks the blocksync actor for its Status; it replies with a *StatusResponse.
type StatusRequest struct{}

// StatusResponse answers a StatusRequest.
type StatusResponse struct{ Status Status }

// Events, published on the actor system's EventStream.

// BlockImported says a block was imported: it is in the store and in fork choice, and the store's head and
// checkpoints are fork choice's.
type BlockImported struct {
	Root          primitives.Root
	Slot          primitives.Slot
	ProposerIndex primitives.ValidatorIndex
	// Attestations and Attesters count the block's attestations and the aggregation bits set in them.
	Attestations, Attesters int
	SyncCommitteeBits       int
	Head                    primitives.Root
	HeadSlot                primitives.Slot
	Justified, Finalized    types.Checkpoint
}

// EpochEnded says the first block of a new epoch was imported, and how the epoch before it went: the participation
// its post-state records, and fork choice's checkpoints after it.
type EpochEnded struct {
	Epoch                primitives.Epoch
	Participation        transition.EpochParticipation
	Justified, Finalized types.Checkpoint
}

// SlotMissed says a slot ended without a block imported for it.
type SlotMissed struct{ Slot primitives.Slot }
