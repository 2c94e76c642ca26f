package chain

import (
	"context"
	"errors"
	"fmt"

	"github.com/salamander-client/salamander/blocksync"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// Local is the chain as an in-process validator client sees it (validator.Chain and
// validator.ExecutionCheckpoints): the head the store records (fork choice's, written by the blocksync actor after
// every import and at every slot), its post-state rebuilt by States, and blocks imported through the blocksync
// actor's Inbox, which answers once the block is in the store and in fork choice. It is what the Beacon API's
// validator endpoints will serve, and like them it reads the store rather than any actor's memory. It is safe for
// concurrent use.
type Local struct {
	reader *store.Reader
	states *States
	inbox  *blocksync.Inbox
}

// NewLocal returns the chain of the store behind reader, whose blocks are imported through inbox.
func NewLocal(reader *store.Reader, states *States, inbox *blocksync.Inbox) *Local {
	return &Local{reader: reader, states: states, inbox: inbox}
}

// Head implements validator.Chain. The state is shared: callers must not modify it.
func (l *Local) Head(ctx context.Context) (primitives.Root, *types.BeaconState, error) {
	head, err := l.reader.Head()
	if err != nil {
		return primitives.Root{}, nil, fmt.Errorf("head: %w", err)
	}
	state, found, err := l.states.StateByBlockRoot(ctx, head.Root)
	if err == nil && !found {
		err = fmt.Errorf("%w: head block %#x", store.ErrNotFound, head.Root)
	}
	if err != nil {
		return primitives.Root{}, nil, fmt.Errorf("head state: %w", err)
	}
	return head.Root, state, nil
}

// ImportBlock implements validator.Chain: it returns once the block is imported (or refused).
func (l *Local) ImportBlock(ctx context.Context, signed *types.SignedBeaconBlock) error {
	encoded, err := types.Marshal(signed)
	if err != nil {
		return fmt.Errorf("import block: %w", err)
	}
	res, err := l.inbox.ImportBlock(ctx, encoded)
	if err != nil {
		return err
	}
	return res.Err
}

// SafeAndFinalizedExecutionHashes implements validator.ExecutionCheckpoints: the payload block hashes of the
// store's justified and finalized checkpoint blocks (zero for a block without a payload, the genesis block).
func (l *Local) SafeAndFinalizedExecutionHashes(context.Context) (safe, finalized primitives.Hash32, err error) {
	justified, err := l.reader.Justified()
	if err != nil {
		return safe, finalized, fmt.Errorf("justified checkpoint: %w", err)
	}
	fin, err := l.reader.Finalized()
	if err != nil {
		return safe, finalized, fmt.Errorf("finalized checkpoint: %w", err)
	}
	if safe, err = l.payloadHash(justified.Root); err != nil {
		return safe, finalized, err
	}
	finalized, err = l.payloadHash(fin.Root)
	return safe, finalized, err
}

func (l *Local) payloadHash(root primitives.Root) (primitives.Hash32, error) {
	encoded, err := l.reader.Block(root)
	if err != nil {
		return primitives.Hash32{}, fmt.Errorf("block %#x: %w", root, err)
	}
	signed := new(types.SignedBeaconBlock)
	if err := types.Unmarshal(encoded, signed); err != nil {
		return primitives.Hash32{}, fmt.Errorf("%w: block %#x: %w", store.ErrCorrupt, root, err)
	}
	if p := signed.Message.Body.ExecutionPayload; p != nil {
		return p.BlockHash, nil
	}
	return primitives.Hash32{}, nil
}

// Broadcaster is what an in-process validator client publishes, for a node without a network: its attestations and
// aggregates go to fork choice (through the blocksync actor's Inbox), indexed on the head state; the rest goes
// nowhere (the blocks were imported already, sync committee messages and contributions only matter to pools, and
// the client put them in the node's). It implements validator.Broadcaster.
type Broadcaster struct {
	env   *helpers.Env
	chain *Local
	inbox *blocksync.Inbox
}

// NewBroadcaster returns the broadcaster of a node without a network, whose chain is chain.
func NewBroadcaster(env *helpers.Env, chain *Local, inbox *blocksync.Inbox) *Broadcaster {
	return &Broadcaster{env: env, chain: chain, inbox: inbox}
}

// BroadcastBlock implements validator.Broadcaster: the block was imported already.
func (b *Broadcaster) BroadcastBlock(context.Context, *types.SignedBeaconBlock) error { return nil }

// BroadcastAttestation implements validator.Broadcaster: the attestation, indexed (its attester is its one
// index), goes to fork choice.
func (b *Broadcaster) BroadcastAttestation(_ context.Context, a *types.SingleAttestation, _ uint64) error {
	indexed := &types.IndexedAttestation{AttestingIndices: []primitives.ValidatorIndex{a.AttesterIndex}, Data: a.Data, Signature: a.Signature}
	if err := b.forkChoice(indexed); err != nil {
		return fmt.Errorf("attestation of validator %d: %w", a.AttesterIndex, err)
	}
	return nil
}

// BroadcastAggregateAndProof implements validator.Broadcaster: the aggregate, indexed on the head state, goes to
// fork choice.
func (b *Broadcaster) BroadcastAggregateAndProof(ctx context.Context, signed *types.SignedAggregateAndProof) error {
	aggregate := signed.Message.Aggregate
	_, state, err := b.chain.Head(ctx)
	if err != nil {
		return fmt.Errorf("aggregate of slot %d: %w", aggregate.Data.Slot, err)
	}
	indexed, err := helpers.GetIndexedAttestation(b.env, state, aggregate)
	if err != nil {
		return fmt.Errorf("aggregate of slot %d: %w", aggregate.Data.Slot, err)
	}
	if err := b.forkChoice(indexed); err != nil {
		return fmt.Errorf("aggregate of slot %d: %w", aggregate.Data.Slot, err)
	}
	return nil
}

// forkChoice hands an indexed attestation to fork choice; one the inbox has no room for is dropped, as a
// network would drop it: fork choice counts the latest vote of each validator, and the next comes soon.
func (b *Broadcaster) forkChoice(indexed *types.IndexedAttestation) error {
	encoded, err := types.Marshal(indexed)
	if err != nil {
		return err
	}
	if err := b.inbox.OnAttestation(encoded); err != nil && !errors.Is(err, blocksync.ErrInboxFull) {
		return err
	}
	return nil
}

// BroadcastSyncCommitteeMessage implements validator.Broadcaster.
func (b *Broadcaster) BroadcastSyncCommitteeMessage(context.Context, *types.SyncCommitteeMessage, uint64) error {
	return nil
}

// BroadcastContributionAndProof implements validator.Broadcaster.
func (b *Broadcaster) BroadcastContributionAndProof(context.Context, *types.SignedContributionAndProof) error {
	return nil
}
