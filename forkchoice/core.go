package forkchoice

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// ErrNoChain means the forkchoice actor has no store yet: it was built without a ChainSource, or its chain is
// still loading.
var ErrNoChain = errors.New("fork-choice store not built")

// ErrBlockRootMismatch means an OnBlock's Root is not the root of its block.
var ErrBlockRootMismatch = errors.New("block root does not match the block")

// Config is what the forkchoice actor is built with.
type Config struct {
	Spec *params.Spec
	// Chain gives, at every start of the actor, what the store is rebuilt from. Until the store actor serves it
	// (store.LoadChain), the node passes it down here.
	Chain ChainSource
	// Availability is is_data_available for the blocks the actor is sent.
	Availability DataAvailability
	// Now is the wall clock the store ticks to before each block and head request; nil is time.Now.
	Now func() time.Time
	// MaxPendingAttestations bounds the attestations waiting for their block or slot; 0 is
	// DefaultMaxPendingAttestations.
	MaxPendingAttestations int
	// PruneThreshold is StoreConfig.PruneThreshold of the Store.
	PruneThreshold int
}

// ChainSource loads what the fork-choice store is rebuilt from.
type ChainSource interface {
	LoadChain(ctx context.Context) (*Chain, error)
}

// Chain is a fork-choice store's history: its anchor and the blocks imported since, each as it was sent to the
// actor, parents before children.
type Chain struct {
	Anchor         *Anchor
	AnchorBalances *Balances // the anchor state's Balances, for the anchor checkpoint
	Blocks         []*OnBlock
}

// core is the forkchoice actor's state, free of actor code: the Store with the balances and the queue of pending
// attestations that feed it, and the head, justified and finalized checkpoints last announced.
type core struct {
	now      func() time.Time
	store    *Store
	balances *balanceCache
	pending  pendingQueue

	head      BlockInfo
	justified types.Checkpoint
	finalized types.Checkpoint
}

// newCore builds the store from chain: get_forkchoice_store on the anchor, then every block again.
func newCore(cfg Config, chain *Chain) (*core, error) {
	if chain == nil || chain.Anchor == nil {
		return nil, fmt.Errorf("build fork-choice store: %w: no anchor", ErrInvalidAnchor)
	}
	c := &core{now: cfg.Now, balances: newBalanceCache()}
	if c.now == nil {
		c.now = time.Now
	}
	c.pending.max = cfg.MaxPendingAttestations
	if c.pending.max <= 0 {
		c.pending.max = DefaultMaxPendingAttestations
	}
	c.balances.add(chain.AnchorBalances)
	store, err := NewStore(StoreConfig{Spec: cfg.Spec, Balances: c.balances, Availability: cfg.Availability,
		PruneThreshold: cfg.PruneThreshold}, chain.Anchor)
	if err != nil {
		return nil, fmt.Errorf("build fork-choice store: %w", err)
	}
	c.store = store
	for i, b := range chain.Blocks {
		if err := c.addBlock(b); err != nil && !errors.Is(err, ErrNotFinalizedDescendant) {
			return nil, fmt.Errorf("build fork-choice store: block %d of %d (%#x): %w", i+1, len(chain.Blocks), b.Root, err)
		}
	}
	c.justified, c.finalized = store.JustifiedCheckpoint(), store.FinalizedCheckpoint()
	if _, err := c.updateHead(); err != nil {
		return nil, fmt.Errorf("build fork-choice store: %w", err)
	}
	return c, nil
}

// tick brings the store's time to the wall clock, and offers the pending attestations again at a new slot.
func (c *core) tick(now uint64) {
	if now <= c.store.Time() {
		return
	}
	before := c.store.GetCurrentSlot()
	if err := c.store.OnTick(now); err != nil {
		return // before genesis: nothing to do yet
	}
	if c.store.GetCurrentSlot() != before {
		c.retryPending()
	}
}

func (c *core) tickToNow() {
	if now := c.now().Unix(); now > 0 {
		c.tick(uint64(now))
	}
}

// importBlock is OnBlock: addBlock, then get_head.
func (c *core) importBlock(msg *OnBlock) ([]any, error) {
	if err := c.addBlock(msg); err != nil {
		return nil, err
	}
	return c.updateHead()
}

// addBlock runs on_block, then on_attestation for the block's attestations and on_attester_slashing for its
// attester slashings, and offers the pending attestations again.
func (c *core) addBlock(msg *OnBlock) error {
	signed := new(types.SignedBeaconBlock)
	if err := types.Unmarshal(msg.Block, signed); err != nil {
		return fmt.Errorf("on_block %#x: %w: %w", msg.Root, ErrInvalidBlockInput, err)
	}
	if signed.Message == nil || signed.Message.Body == nil {
		return fmt.Errorf("on_block %#x: %w: no block", msg.Root, ErrInvalidBlockInput)
	}
	if root := types.HashTreeRoot(signed.Message); root != msg.Root {
		return fmt.Errorf("on_block %#x: %w: the block's root is %#x", msg.Root, ErrBlockRootMismatch, root)
	}
	c.tickToNow()
	c.balances.add(msg.Balances...)
	err := c.store.OnBlock(&BlockInput{Root: msg.Root, Block: signed.Message, Execution: msg.Execution, PostState: msg.PostState})
	if err != nil {
		return err
	}
	for _, a := range msg.Attestations {
		c.applyAttestation(pendingAttestation{attestation: a, isFromBlock: true})
	}
	for _, s := range signed.Message.Body.AttesterSlashings {
		_ = c.store.OnAttesterSlashing(s) // block processing verified it; one that is not slashable is ignored
	}
	c.retryPending()
	return nil
}

// applyAttestation runs on_attestation, queueing the attestation if it may become valid later.
func (c *core) applyAttestation(p pendingAttestation) error {
	err := c.store.OnAttestation(p.attestation, p.isFromBlock)
	if err != nil && IsRetryable(err) {
		c.pending.add(p)
	}
	return err
}

func (c *core) retryPending() {
	if len(c.pending.items) > 0 {
		c.pending.retry(func(p pendingAttestation) error { return c.store.OnAttestation(p.attestation, p.isFromBlock) })
	}
}

// onAttestation is OnAttestation.
func (c *core) onAttestation(msg *OnAttestation) error {
	attestation := new(types.IndexedAttestation)
	if err := types.Unmarshal(msg.IndexedAttestation, attestation); err != nil {
		return fmt.Errorf("on_attestation: %w: %w", ErrInvalidAttestation, err)
	}
	return c.applyAttestation(pendingAttestation{attestation: attestation})
}

// onAttesterSlashing is OnAttesterSlashing.
func (c *core) onAttesterSlashing(msg *OnAttesterSlashing) ([]any, error) {
	slashing := new(types.AttesterSlashing)
	if err := types.Unmarshal(msg.AttesterSlashing, slashing); err != nil {
		return nil, fmt.Errorf("on_attester_slashing: %w: %w", ErrInvalidAttesterSlashing, err)
	}
	if err := c.store.OnAttesterSlashing(slashing); err != nil {
		return nil, err
	}
	return c.updateHead()
}

// onPayloadStatus is OnPayloadStatus.
func (c *core) onPayloadStatus(msg *OnPayloadStatus) ([]any, error) {
	if msg.Valid {
		if err := c.store.MarkPayloadValid(msg.Root); err != nil {
			return nil, err
		}
	} else if _, err := c.store.InvalidatePayload(msg.Root, msg.LatestValidHash); err != nil {
		return nil, err
	}
	return c.updateHead()
}

// updateHead runs get_head and returns the events that the head and checkpoints moving make.
func (c *core) updateHead() ([]any, error) {
	var events []any
	if j := c.store.JustifiedCheckpoint(); j != c.justified {
		c.justified = j
		events = append(events, &Justified{Checkpoint: j})
	}
	if f := c.store.FinalizedCheckpoint(); f != c.finalized {
		c.finalized = f
		events = append(events, &Finalized{Checkpoint: f})
		c.pending.dropBefore(f.Epoch)
		c.balances.retain(f.Epoch, c.justified, c.store.UnrealizedJustifiedCheckpoint())
	}
	root, err := c.store.GetHead()
	if err != nil {
		return events, fmt.Errorf("get_head: %w", err)
	}
	if root == c.head.Root {
		return events, nil
	}
	previous := c.head
	c.head, _ = c.store.Block(root)
	events = append(events, &HeadChanged{Root: root, Previous: previous.Root, Slot: c.head.Slot, StateRoot: c.head.StateRoot,
		ExecutionBlockHash: c.head.ExecutionBlockHash, Optimistic: c.head.Execution != ExecutionValid})
	if previous.Root != (primitives.Root{}) && c.store.HasBlock(previous.Root) {
		if ancestor, ok := c.store.CommonAncestor(previous.Root, root); ok && ancestor.Root != previous.Root {
			events = append(events, &Reorg{OldHead: previous.Root, NewHead: root, OldSlot: previous.Slot,
				NewSlot: c.head.Slot, CommonAncestor: ancestor.Root, Depth: uint64(previous.Slot - ancestor.Slot)})
		}
	}
	return events, nil
}

func (c *core) headResponse() *HeadResponse {
	return &HeadResponse{Root: c.head.Root, Slot: c.head.Slot, StateRoot: c.head.StateRoot,
		ExecutionBlockHash: c.head.ExecutionBlockHash, Optimistic: c.head.Execution != ExecutionValid,
		Justified: c.justified, Finalized: c.finalized}
}

func (c *core) status() Status {
	return Status{Ready: true, Head: c.head.Root, HeadSlot: c.head.Slot, Justified: c.justified, Finalized: c.finalized,
		Blocks: c.store.BlockCount(), PendingAttestation: len(c.pending.items)}
}
