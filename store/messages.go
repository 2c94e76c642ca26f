package store

import "github.com/salamander-client/salamander/primitives"

// Messages of the store actor. Every command is a request: send it with actors.Request and the store answers with
// its response type, whose Err is nil on success. Messages carry SSZ blobs and roots, never decoded states; a
// message is not modified after it is sent.
//
// Reads that need no ordering with writes go through a Reader instead of the mailbox: Config.Options.Reader is
// shared with the Beacon API and req/resp and survives restarts of the store actor.

// PutBlock commits one imported block and what it changed, in one transaction (see Batch). Reply: *BlockPut.
type PutBlock struct {
	Root       primitives.Root
	Slot       primitives.Slot
	ParentRoot primitives.Root
	SSZ        []byte // SignedBeaconBlock
	// States to keep: the post-state when the block crosses an epoch boundary, checkpoint states.
	States    []StateBlob
	Head      *primitives.Root // the new head, if fork choice moved it
	Justified *Checkpoint
	Finalized *Checkpoint
}

// BlockPut answers PutBlock.
type BlockPut struct {
	Root             primitives.Root
	Head             Head
	Reorged          int  // canonical index entries the new head replaced
	FinalityAdvanced bool // the anchor moved; the store prunes next
	Err              error
}

// UpdateForkChoice records a new head or checkpoints without a new block, e.g. after attestations. Reply:
// *ForkChoiceUpdated.
type UpdateForkChoice struct {
	States    []StateBlob
	Head      *primitives.Root
	Justified *Checkpoint
	Finalized *Checkpoint
}

// ForkChoiceUpdated answers UpdateForkChoice.
type ForkChoiceUpdated struct {
	Head             Head
	Reorged          int
	FinalityAdvanced bool
	Err              error
}

// SetAnchor initializes an empty database on a genesis or checkpoint-sync anchor. Reply: *AnchorSet; Err matches
// ErrAlreadyAnchored when the database holds a chain.
type SetAnchor struct {
	Block BlockBlob
	State StateBlob
}

// AnchorSet answers SetAnchor.
type AnchorSet struct {
	Anchor Anchor
	Err    error
}

// GetBlock asks for a block by root, ordered after every write sent before it. Reply: *BlockResponse.
type GetBlock struct{ Root primitives.Root }

// BlockResponse answers GetBlock; Err matches ErrNotFound for an unknown root.
type BlockResponse struct {
	Block StoredBlock
	Err   error
}

// GetState asks for a state by root. Reply: *StateResponse.
type GetState struct{ Root primitives.Root }

// StateResponse answers GetState; Err matches ErrNotFound for an unknown root.
type StateResponse struct {
	Summary StateSummary
	SSZ     []byte
	Err     error
}

// LoadChainRequest asks for what fork choice needs to resume: the anchor and the blocks since. Reply:
// *ChainResponse; Err matches ErrNoAnchor for an empty database.
type LoadChainRequest struct{}

// ChainResponse answers LoadChainRequest.
type ChainResponse struct {
	Chain *Chain
	Err   error
}

// StatusRequest asks the store actor for its Status. Reply: *StatusResponse.
type StatusRequest struct{}

// StatusResponse answers a StatusRequest.
type StatusResponse struct{ Status Status }

// pruneDue tells the store actor to prune after a commit moved finality; sent to itself, so that the commit's
// reply goes out first.
type pruneDue struct{}
