package transition

import (
	"context"

	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/types"
)

// Messages of the chain transition actor (NewChain), beside those of the transition actor it extends.

// ImportBlock asks the chain transition actor to apply a block, as ApplyBlock does, and to prepare its import:
// the fork-choice input and the states the store keeps. Send it with a request (actors.Request[ImportBlockResult]);
// the reply is a *BlockPrepared or a *BlockRejected.
type ImportBlock struct {
	// SSZ is the encoding of the SignedBeaconBlock.
	SSZ []byte
}

// ImportBlockResult is the reply to ImportBlock: *BlockPrepared or *BlockRejected.
type ImportBlockResult interface {
	Prepared() (*BlockPrepared, error)
}

// BlockPrepared says that a block passed the state transition and carries what its import needs. Nothing in it is
// modified once sent; the fork-choice input's balances are shared read-only values.
type BlockPrepared struct {
	Applied *BlockApplied
	// OnBlock is the block's fork-choice input, ready to send to the forkchoice actor.
	OnBlock *forkchoice.OnBlock
	// States are the states the store keeps with the block (store.PutBlock States): the post-state of the checkpoint
	// block of an epoch, with the epoch's first block.
	States []store.StateBlob
	// Participation is set for the first block of an epoch: the previous epoch's participation.
	Participation *EpochParticipation
}

// Prepared returns p, nil.
func (p *BlockPrepared) Prepared() (*BlockPrepared, error) { return p, nil }

// Prepared returns nil, r.Err: a rejected block has nothing to import.
func (r *BlockRejected) Prepared() (*BlockPrepared, error) { return nil, r.Err }

// AnchorSource gives the chain transition actor the state its fork-choice half starts from: the store's anchor
// block root and that block's post-state (genesis, or the latest finalized checkpoint block).
type AnchorSource interface {
	Anchor(ctx context.Context) (primitives.Root, *types.BeaconState, error)
}
