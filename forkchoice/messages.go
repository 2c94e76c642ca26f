package forkchoice

import (
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// The forkchoice actor's messages. It owns the Store alone; other actors send it what they learned and ask it for
// the head. Every message is immutable once sent: slices and pointers in it are never modified by the sender or
// the receiver.
//
// What crosses the actor boundary is never a BeaconState. The actor that runs the state transition (and owns the
// states: StateCache) sends each block with the summary of its post-state that on_block needs — checkpoints,
// pulled-up tip, the engine's verdict, the indexed form of the block's attestations and the Balances of the
// checkpoints it justifies — so the fork-choice actor never has to ask for a state. Balances are shared read-only
// values: the same *Balances goes with every block that has the same justified checkpoint.

// OnBlock adds a block whose state transition succeeded. Sent with Request, it is answered by *BlockImported.
type OnBlock struct {
	// Block is the SSZ encoding of the SignedBeaconBlock.
	Block []byte
	// Root is hash_tree_root(block.message).
	Root primitives.Root
	// Execution is the execution engine's verdict: ExecutionValid or ExecutionOptimistic.
	Execution ExecutionStatus
	// PostState is PostStateOf(post-state).
	PostState PostState
	// Balances holds the Balances of the post-state's justified and unrealized justified checkpoints
	// (StateCache.CheckpointBalances), which the store needs once one of them becomes its justified checkpoint.
	Balances []*Balances
	// Attestations are the block's attestations indexed and verified on their target checkpoint states
	// (StateCache.IndexedAttestation), in block order. The block's attester slashings are read from Block: block
	// processing verified them.
	Attestations []*types.IndexedAttestation
}

// BlockImported answers an OnBlock sent with Request.
type BlockImported struct {
	Root primitives.Root
	Head primitives.Root // the head after the import
	Err  error           // why the block was not added; IsRetryable says if it may be later
}

// OnAttestation gives the store an attestation from the wire that its sender (gossip validation, the API) indexed
// and verified on the target checkpoint state. One whose block or slot has not arrived yet waits in a bounded
// queue and is applied when it does.
type OnAttestation struct {
	// IndexedAttestation is the SSZ encoding of the IndexedAttestation.
	IndexedAttestation []byte
}

// OnAttesterSlashing gives the store an attester slashing whose attestations its sender verified
// (is_valid_indexed_attestation on the justified state). Sent with Request, it is answered by *Applied.
type OnAttesterSlashing struct {
	// AttesterSlashing is the SSZ encoding of the AttesterSlashing.
	AttesterSlashing []byte
}

// Tick advances the store's clock (on_tick). The actor also ticks to its own clock before every block, so that
// block timeliness is judged at arrival.
type Tick struct {
	Time uint64 // Unix seconds
}

// OnPayloadStatus gives the store the execution engine's later verdict on the payload of a block it holds
// (optimistic sync): VALID makes it and its ancestors valid; INVALID, with the engine's latest valid hash (nil for
// null), invalidates the blocks after that one and their descendants, and moves the head. Sent with Request, it
// is answered by *Applied.
type OnPayloadStatus struct {
	Root            primitives.Root
	Valid           bool
	LatestValidHash *primitives.Hash32
}

// Applied answers a command sent with Request.
type Applied struct{ Err error }

// HeadRequest asks for the head; the answer is a *HeadResponse.
type HeadRequest struct{}

// HeadResponse answers a HeadRequest.
type HeadResponse struct {
	Root               primitives.Root
	Slot               primitives.Slot
	StateRoot          primitives.Root
	ExecutionBlockHash primitives.Hash32
	Optimistic         bool // the head's payload has not been found VALID yet
	Justified          types.Checkpoint
	Finalized          types.Checkpoint
	Err                error // ErrNoChain before the store is built
}

// ProposerHeadRequest asks which block a proposer at Slot builds on (get_proposer_head); the answer is a
// *ProposerHeadResponse.
type ProposerHeadRequest struct{ Slot primitives.Slot }

// ProposerHeadResponse answers a ProposerHeadRequest.
type ProposerHeadResponse struct {
	Root primitives.Root
	Err  error
}

// StatusRequest asks the forkchoice actor for its Status; it replies with a *StatusResponse.
type StatusRequest struct{}

// StatusResponse answers a StatusRequest.
type StatusResponse struct{ Status Status }

// Status is what the forkchoice actor reports about itself.
type Status struct {
	Ready              bool // the store is built
	Head               primitives.Root
	HeadSlot           primitives.Slot
	Justified          types.Checkpoint
	Finalized          types.Checkpoint
	Blocks             int // blocks in the store
	PendingAttestation int // attestations waiting for their block or slot
}

// Events, published on the actor system's EventStream.

// HeadChanged says the head moved.
type HeadChanged struct {
	Root, Previous     primitives.Root
	Slot               primitives.Slot
	StateRoot          primitives.Root
	ExecutionBlockHash primitives.Hash32
	Optimistic         bool
}

// Reorg says the new head does not descend from the previous one. Depth is the number of slots from the common
// ancestor to the previous head (the beacon API's chain_reorg depth).
type Reorg struct {
	OldHead, NewHead primitives.Root
	OldSlot, NewSlot primitives.Slot
	CommonAncestor   primitives.Root
	Depth            uint64
}

// Justified says the store's justified checkpoint moved.
type Justified struct{ Checkpoint types.Checkpoint }

// Finalized says the store's finalized checkpoint moved.
type Finalized struct{ Checkpoint types.Checkpoint }
