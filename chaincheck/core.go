// Package chaincheck is the stateful half of gossip validation: the spec's gossip conditions that need the chain
// (the parent and head-vote blocks, the finalized checkpoint, committees, proposers and validator keys), for every
// message that passed the gossip actor's stateless checks. The core (core.go) is pure: one function per topic,
// named after it, over a read-only Chain. The actor (actor.go) answers gossip.ChainValidate with the verdict,
// running the checks off its mailbox, and hands accepted blocks and attestations to blocksync.
//
// Signatures whose key comes from the state are verified here, not in the gossip actor's batch: the gossip actor
// has no registry (gossip.Config.Pubkeys is nil) and the checks here already hold the state that has the keys. The
// Validate functions leave them in the Outcome's Sets, checked after everything else; the actor verifies the sets
// of many messages in one batch (an aggregate's three signatures among them) and settles each outcome.
//
// Not checked, so more is forwarded than the spec allows, never less: that a block's or sidecar's parent passed
// validation beyond being imported, that the parent's execution payload was verified, and the superset rule of sync
// committee contributions. The light client topics are ignored (ErrNotImplemented).
package chaincheck

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// targetAggregatorsPerCommittee is the spec's TARGET_AGGREGATORS_PER_COMMITTEE (phase0 validator guide).
const targetAggregatorsPerCommittee = 16

// Outcome is the verdict of the stateful checks of one message and what an accepted one delivers.
type Outcome struct {
	Result gossip.Result
	Err    error
	// Import is set for a block that blocksync should get: an accepted one, or one ignored only because its parent
	// is unknown (blocksync's pending queue then fetches the parent).
	Import bool
	// Indexed is the indexed attestation of an accepted beacon_attestation or aggregate, for fork choice.
	Indexed *types.IndexedAttestation
	// Sets are the signatures an Accept still depends on, checked last and left to the caller so that it can
	// verify many messages' signatures in one batch: the Accept stands only if they all verify (Settle).
	Sets []bls.SignatureSet
	what string // what Sets sign, for the error
}

// Settle completes an outcome whose Sets were verified: valid says whether they all are. An Accept whose
// signatures are not valid becomes a REJECT that delivers nothing.
func (o Outcome) Settle(valid bool) Outcome {
	if len(o.Sets) == 0 {
		return o
	}
	if !valid {
		return reject(errf(ErrBadSignature, "%s", o.what))
	}
	o.Sets, o.what = nil, ""
	return o
}

// Verify verifies o's Sets on its own (in one batch when there are several) and settles it.
func (o Outcome) Verify() Outcome {
	switch len(o.Sets) {
	case 0:
		return o
	case 1:
		return o.Settle(bls.Verify(o.Sets[0].PublicKey, o.Sets[0].Message, o.Sets[0].Signature))
	}
	return o.Settle(bls.BatchVerify(o.Sets))
}

// pending is an Accept that stands once sets, the signatures of what, verify.
func pending(what string, sets ...bls.SignatureSet) Outcome {
	return Outcome{Result: gossip.Accept, Sets: sets, what: what}
}

func accept() Outcome                        { return Outcome{Result: gossip.Accept} }
func ignore(err error) Outcome               { return Outcome{Result: gossip.Ignore, Err: err} }
func reject(err error) Outcome               { return Outcome{Result: gossip.Reject, Err: err} }
func noState(err error) Outcome              { return ignore(fmt.Errorf("%w: %w", ErrNoState, err)) }
func errf(s error, f string, a ...any) error { return fmt.Errorf("%w: "+f, append([]any{s}, a...)...) }

// Checker runs the stateful gossip checks against a Chain. It is safe for concurrent use.
type Checker struct {
	env   *helpers.Env
	chain Chain
	kzg   func() (forkchoice.CellProofVerifier, error)

	// ancestors remembers get_ancestor's answers, which never change (a block's ancestry is fixed): every
	// attestation of a slot asks the same two, and each costs a walk of up to a few epochs of blocks.
	mu        sync.Mutex
	ancestors map[ancestorKey]primitives.Root
}

type ancestorKey struct {
	root primitives.Root
	slot primitives.Slot
}

// maxAncestors bounds the ancestors memo; it is emptied when full, which costs one walk per key.
const maxAncestors = 4096

// NewChecker returns a Checker over chain; env's caches keep the shufflings and decompressed keys between checks.
// kzg returns the verifier of data column sidecars' cell proofs (forkchoice.NewKZGVerifier, which loads the
// trusted setup on its first call); nil ignores every sidecar.
func NewChecker(env *helpers.Env, chain Chain, kzg func() (forkchoice.CellProofVerifier, error)) *Checker {
	return &Checker{env: env, chain: chain, kzg: kzg, ancestors: map[ancestorKey]primitives.Root{}}
}

// Validate decodes ssz, a message of kind received on subnet, and runs its topic's checks. Like every Validate
// function, it leaves the signatures of an Accept in its Sets, to be verified and settled (Outcome.Verify).
func (c *Checker) Validate(ctx context.Context, kind gossip.Kind, subnet uint64, ssz []byte) Outcome {
	switch kind {
	case gossip.BeaconBlock:
		var m types.SignedBeaconBlock
		if err := types.Unmarshal(ssz, &m); err != nil {
			return reject(errf(ErrMalformed, "%v", err))
		}
		return c.ValidateBeaconBlock(ctx, &m)
	case gossip.BeaconAttestation:
		var m types.SingleAttestation
		if err := types.Unmarshal(ssz, &m); err != nil {
			return reject(errf(ErrMalformed, "%v", err))
		}
		return c.ValidateBeaconAttestation(ctx, &m, subnet)
	case gossip.BeaconAggregateAndProof:
		var m types.SignedAggregateAndProof
		if err := types.Unmarshal(ssz, &m); err != nil {
			return reject(errf(ErrMalformed, "%v", err))
		}
		return c.ValidateAggregateAndProof(ctx, &m)
	case gossip.VoluntaryExit:
		var m types.SignedVoluntaryExit
		if err := types.Unmarshal(ssz, &m); err != nil {
			return reject(errf(ErrMalformed, "%v", err))
		}
		return c.ValidateVoluntaryExit(ctx, &m)
	case gossip.ProposerSlashing:
		var m types.ProposerSlashing
		if err := types.Unmarshal(ssz, &m); err != nil {
			return reject(errf(ErrMalformed, "%v", err))
		}
		return c.ValidateProposerSlashing(ctx, &m)
	case gossip.AttesterSlashing:
		var m types.AttesterSlashing
		if err := types.Unmarshal(ssz, &m); err != nil {
			return reject(errf(ErrMalformed, "%v", err))
		}
		return c.ValidateAttesterSlashing(ctx, &m)
	case gossip.BLSToExecutionChange:
		var m types.SignedBLSToExecutionChange
		if err := types.Unmarshal(ssz, &m); err != nil {
			return reject(errf(ErrMalformed, "%v", err))
		}
		return c.ValidateBLSToExecutionChange(ctx, &m)
	case gossip.SyncCommittee, gossip.SyncCommitteeContributionAndProof:
		return c.validateSync(ctx, kind, subnet, ssz)
	case gossip.DataColumnSidecar:
		var m types.DataColumnSidecar
		if err := types.Unmarshal(ssz, &m); err != nil {
			return reject(errf(ErrMalformed, "%v", err))
		}
		if err := forkchoice.VerifyDataColumnSidecar(c.env.Spec, &m); err != nil { // gossip checked it; keeps the slices in step
			return reject(errf(ErrMalformed, "%v", err))
		}
		return c.ValidateDataColumnSidecar(ctx, &m)
	}
	// The light client updates: this node serves no light clients.
	return ignore(errf(ErrNotImplemented, "%s", kind))
}

// getAncestor is the spec's get_ancestor over the chain's blocks: root's ancestor at slot, or the last block
// before it. found is false when the walk leaves the known blocks (below the anchor, or a pruned branch).
func (c *Checker) getAncestor(root primitives.Root, slot primitives.Slot) (primitives.Root, bool, error) {
	key := ancestorKey{root, slot}
	c.mu.Lock()
	ancestor, hit := c.ancestors[key]
	c.mu.Unlock()
	if hit {
		return ancestor, true, nil
	}
	ancestor, found, err := c.walkToAncestor(root, slot)
	if found {
		c.mu.Lock()
		if len(c.ancestors) >= maxAncestors {
			clear(c.ancestors)
		}
		c.ancestors[key] = ancestor
		c.mu.Unlock()
	}
	return ancestor, found, err
}

func (c *Checker) walkToAncestor(root primitives.Root, slot primitives.Slot) (primitives.Root, bool, error) {
	for {
		s, parent, found, err := c.chain.Block(root)
		if err != nil || !found {
			return primitives.Root{}, false, err
		}
		if s <= slot {
			return root, true, nil
		}
		root = parent
	}
}

// isCheckpointBlock reports whether get_checkpoint_block(store, root, epoch) == checkpoint.
func (c *Checker) isCheckpointBlock(root primitives.Root, cp *types.Checkpoint) (bool, error) {
	ancestor, found, err := c.getAncestor(root, helpers.ComputeStartSlotAtEpoch(cp.Epoch))
	return found && ancestor == cp.Root, err
}

// epochState returns a state of the known block root's branch for the checks of a message of epoch, without
// replaying blocks when it can: the post-state of the checkpoint block of root's epoch, which the store keeps.
// Proposers (proposer_lookahead changes only at epoch boundaries, one epoch ahead), committees and sync committees
// are the same in every state of an epoch on one branch, so that state decides them as root's post-state would; the
// validators it lacks were deposited too recently to have any duty.
//
// For an epoch more than one past root's, that no longer holds: the epoch's proposers are drawn at the end of
// root's epoch, from its RANDAO mix and balances, which the blocks after the checkpoint block changed. Advancing
// the checkpoint's state would skip those blocks and name other proposers, so root's own post-state is advanced.
func (c *Checker) epochState(ctx context.Context, root primitives.Root, epoch primitives.Epoch) (*types.BeaconState, error) {
	slot, _, found, err := c.chain.Block(root)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errf(ErrUnknownBlock, "%#x", root)
	}
	if epoch > helpers.ComputeEpochAtSlot(slot)+1 {
		return c.chain.StateAt(ctx, root, epoch)
	}
	checkpoint, found, err := c.getAncestor(root, helpers.ComputeStartSlotAtEpoch(helpers.ComputeEpochAtSlot(slot)))
	if err != nil {
		return nil, err
	}
	if !found { // the anchor is later than the epoch's start: its state is at hand anyway
		checkpoint = root
	}
	return c.chain.StateAt(ctx, checkpoint, epoch)
}

// verify checks one signature by validator index under state's keys and domain.
func (c *Checker) signatureSet(state *types.BeaconState, index primitives.ValidatorIndex, root primitives.Root,
	domain primitives.Domain, sig primitives.BLSSignature) (bls.SignatureSet, error) {
	pk, err := helpers.ValidatorPublicKey(c.env, state, index)
	if err != nil {
		return bls.SignatureSet{}, errf(ErrBadSignature, "validator %d: %v", index, err)
	}
	return makeSet(pk, root, domain, sig)
}

func makeSet(pk *bls.PublicKey, root primitives.Root, domain primitives.Domain, sig primitives.BLSSignature) (bls.SignatureSet, error) {
	s, err := bls.SignatureFromBytes(sig[:])
	if err != nil {
		return bls.SignatureSet{}, errf(ErrBadSignature, "%v", err)
	}
	msg := params.ComputeSigningRoot(root, domain)
	return bls.SignatureSet{PublicKey: pk, Message: msg[:], Signature: s}, nil
}

// expectedProposer returns the proposer of slot from state's proposer_lookahead (Fulu), which covers the state's
// epoch and the next: StateAt gives a state no further back.
func expectedProposer(state *types.BeaconState, slot primitives.Slot) (primitives.ValidatorIndex, error) {
	stateEpoch, epoch := helpers.GetCurrentEpoch(state), helpers.ComputeEpochAtSlot(slot)
	if epoch < stateEpoch || uint64(epoch-stateEpoch) > params.MinSeedLookahead {
		return 0, fmt.Errorf("slot %d is outside the lookahead of a state at epoch %d", slot, stateEpoch)
	}
	i := uint64(epoch-stateEpoch)*params.SlotsPerEpoch + uint64(slot)%params.SlotsPerEpoch
	return state.ProposerLookahead[i], nil
}

// ValidateBeaconBlock runs the stateful beacon_block conditions (phase0 to fulu p2p-interface).
//
// Not checked: "[REJECT] The block's parent passes all validation" (bellatrix: excluding its execution payload's
// verification while that is pending, else [IGNORE] including it). The chain holds only imported blocks, and
// blocksync imports a block only after its state transition passed, so a known parent passed every check but
// possibly its payload's verification: a child of a parent whose payload the execution client later finds
// invalid is forwarded, not ignored.
func (c *Checker) ValidateBeaconBlock(ctx context.Context, signed *types.SignedBeaconBlock) Outcome {
	b := signed.Message
	fin, err := c.chain.Finalized()
	if err != nil {
		return noState(err)
	}
	// [IGNORE] The block is from a slot greater than the latest finalized slot.
	if b.Slot <= helpers.ComputeStartSlotAtEpoch(fin.Epoch) {
		return ignore(errf(ErrFinalizedSlot, "slot %d, finalized epoch %d", b.Slot, fin.Epoch))
	}
	// [IGNORE] The block's parent has been seen; it may be queued until it is (blocksync's pending queue does).
	parentSlot, _, found, err := c.chain.Block(b.ParentRoot)
	if err != nil {
		return noState(err)
	}
	if !found {
		out := ignore(errf(ErrUnknownBlock, "parent %#x of the block at slot %d", b.ParentRoot, b.Slot))
		out.Import = true
		return out
	}
	// [REJECT] The block is from a higher slot than its parent.
	if b.Slot <= parentSlot {
		return reject(errf(ErrSlotNotAfterParent, "slot %d, parent at slot %d", b.Slot, parentSlot))
	}
	// [REJECT] The finalized checkpoint is an ancestor of the block.
	if ok, err := c.isCheckpointBlock(b.ParentRoot, &fin); err != nil {
		return noState(err)
	} else if !ok {
		return reject(errf(ErrNotFinalizedDescendant, "block at slot %d, finalized %#x at epoch %d", b.Slot, fin.Root, fin.Epoch))
	}
	epoch := helpers.ComputeEpochAtSlot(b.Slot)
	state, err := c.epochState(ctx, b.ParentRoot, epoch)
	if err != nil {
		return noState(err)
	}
	// [REJECT] The block is proposed by the expected proposer_index for the block's slot in the context of the
	// current shuffling (defined by parent_root/slot).
	want, err := expectedProposer(state, b.Slot)
	if err != nil {
		return noState(err)
	}
	if b.ProposerIndex != want {
		return reject(errf(ErrWrongProposer, "proposer %d at slot %d, want %d", b.ProposerIndex, b.Slot, want))
	}
	// [REJECT] The block's execution payload timestamp is correct with respect to the slot.
	if p := b.Body.ExecutionPayload; p != nil {
		t, err := helpers.ComputeTimeAtSlot(c.env, state, b.Slot)
		if err != nil || p.Timestamp != t {
			return reject(errf(ErrWrongTimestamp, "timestamp %d at slot %d, want %d", p.Timestamp, b.Slot, t))
		}
	}
	// [REJECT] The proposer signature is valid with respect to the proposer_index pubkey.
	set, err := c.signatureSet(state, b.ProposerIndex, types.HashTreeRoot(b),
		helpers.GetDomain(state, params.DomainBeaconProposer, epoch), signed.Signature)
	if err != nil {
		return reject(err)
	}
	out := pending("block signature", set)
	out.Import = true
	return out
}

// checkVotedBlocks runs the head-vote conditions common to beacon_attestation and beacon_aggregate_and_proof.
// "[REJECT] The block being voted for passes validation" is not checked beyond the block being known: the chain
// holds only blocks whose state transition passed (see ValidateBeaconBlock).
func (c *Checker) checkVotedBlocks(d *types.AttestationData) *Outcome {
	// [IGNORE] The block being voted for (beacon_block_root) has been seen.
	_, _, found, err := c.chain.Block(d.BeaconBlockRoot)
	if err != nil {
		out := noState(err)
		return &out
	}
	if !found {
		out := ignore(errf(ErrUnknownBlock, "head vote %#x", d.BeaconBlockRoot))
		return &out
	}
	// [REJECT] The attestation's target block is an ancestor of the block named in the LMD vote. A walk that
	// leaves the known blocks (a target epoch before the anchor) cannot tell: IGNORE.
	ancestor, known, err := c.getAncestor(d.BeaconBlockRoot, helpers.ComputeStartSlotAtEpoch(d.Target.Epoch))
	if err != nil || !known {
		if err == nil {
			err = fmt.Errorf("the checkpoint of epoch %d of %#x is before the known blocks", d.Target.Epoch, d.BeaconBlockRoot)
		}
		out := noState(err)
		return &out
	}
	if ancestor != d.Target.Root {
		out := reject(errf(ErrTargetNotAncestor, "target %#x at epoch %d, head vote %#x", d.Target.Root, d.Target.Epoch, d.BeaconBlockRoot))
		return &out
	}
	// [IGNORE] The current finalized checkpoint is an ancestor of the block defined by beacon_block_root.
	fin, err := c.chain.Finalized()
	if err != nil {
		out := noState(err)
		return &out
	}
	if ok, err := c.isCheckpointBlock(d.BeaconBlockRoot, &fin); err != nil {
		out := noState(err)
		return &out
	} else if !ok {
		out := ignore(errf(ErrNotFinalizedDescendant, "head vote %#x", d.BeaconBlockRoot))
		return &out
	}
	return nil
}

// committee returns the committee of (slot, index) in the target's shuffling, checking the index.
func (c *Checker) committee(state *types.BeaconState, d *types.AttestationData, index primitives.CommitteeIndex) ([]primitives.ValidatorIndex, uint64, *Outcome) {
	perSlot := helpers.GetCommitteeCountPerSlot(c.env, state, d.Target.Epoch)
	// [REJECT] The committee index is within the expected range.
	if uint64(index) >= perSlot {
		out := reject(errf(ErrCommitteeIndex, "committee %d of %d at slot %d", index, perSlot, d.Slot))
		return nil, 0, &out
	}
	committee, err := helpers.GetBeaconCommittee(c.env, state, d.Slot, index)
	if err != nil {
		out := noState(err)
		return nil, 0, &out
	}
	return committee, perSlot, nil
}

// ComputeSubnetForAttestation is the spec's compute_subnet_for_attestation.
func ComputeSubnetForAttestation(committeesPerSlot uint64, slot primitives.Slot, index primitives.CommitteeIndex) uint64 {
	sinceEpochStart := committeesPerSlot * (uint64(slot) % params.SlotsPerEpoch)
	return (sinceEpochStart + uint64(index)) % types.AttestationSubnetCount
}

// ValidateBeaconAttestation runs the stateful beacon_attestation_{subnet_id} conditions (electra, fulu).
func (c *Checker) ValidateBeaconAttestation(ctx context.Context, a *types.SingleAttestation, subnet uint64) Outcome {
	d := a.Data
	if out := c.checkVotedBlocks(d); out != nil {
		return *out
	}
	state, err := c.chain.StateAt(ctx, d.Target.Root, d.Target.Epoch)
	if err != nil {
		return noState(err)
	}
	committee, perSlot, out := c.committee(state, d, a.CommitteeIndex)
	if out != nil {
		return *out
	}
	// [REJECT] The attestation is for the correct subnet.
	if want := ComputeSubnetForAttestation(perSlot, d.Slot, a.CommitteeIndex); want != subnet {
		return reject(errf(ErrWrongSubnet, "committee %d at slot %d belongs on subnet %d, not %d", a.CommitteeIndex, d.Slot, want, subnet))
	}
	// [REJECT] The attester is a member of the committee.
	member := false
	for _, v := range committee {
		member = member || v == a.AttesterIndex
	}
	if !member {
		return reject(errf(ErrNotInCommittee, "attester %d, committee %d at slot %d", a.AttesterIndex, a.CommitteeIndex, d.Slot))
	}
	// [REJECT] The signature of the attestation is valid.
	set, err := c.signatureSet(state, a.AttesterIndex, types.HashTreeRoot(d),
		helpers.GetDomain(state, params.DomainBeaconAttester, d.Target.Epoch), a.Signature)
	if err != nil {
		return reject(err)
	}
	out2 := pending("attestation signature", set)
	out2.Indexed = &types.IndexedAttestation{AttestingIndices: []primitives.ValidatorIndex{a.AttesterIndex}, Data: d, Signature: a.Signature}
	return out2
}

// IsAggregator is the spec's is_aggregator over a committee's size.
func IsAggregator(committeeSize uint64, selectionProof primitives.BLSSignature) bool {
	modulo := max(1, committeeSize/targetAggregatorsPerCommittee)
	h := sha256.Sum256(selectionProof[:])
	return binary.LittleEndian.Uint64(h[:8])%modulo == 0
}

// ValidateAggregateAndProof runs the stateful beacon_aggregate_and_proof conditions (electra, fulu).
func (c *Checker) ValidateAggregateAndProof(ctx context.Context, sa *types.SignedAggregateAndProof) Outcome {
	m := sa.Message
	agg := m.Aggregate
	d := agg.Data
	if out := c.checkVotedBlocks(d); out != nil {
		return *out
	}
	state, err := c.chain.StateAt(ctx, d.Target.Root, d.Target.Epoch)
	if err != nil {
		return noState(err)
	}
	indices := helpers.GetCommitteeIndices(agg.CommitteeBits)
	if len(indices) != 1 { // the gossip actor checked it; a decoded message without one is a bug there
		return reject(errf(ErrCommitteeIndex, "%d committees", len(indices)))
	}
	committee, _, out := c.committee(state, d, indices[0])
	if out != nil {
		return *out
	}
	// [REJECT] The number of aggregation bits matches the committee size.
	if agg.AggregationBits.Len() != uint64(len(committee)) {
		return reject(errf(ErrNotInCommittee, "%d aggregation bits for a committee of %d", agg.AggregationBits.Len(), len(committee)))
	}
	// [REJECT] The aggregator's validator index is within the committee.
	member := false
	for _, v := range committee {
		member = member || v == m.AggregatorIndex
	}
	if !member {
		return reject(errf(ErrNotInCommittee, "aggregator %d, committee %d at slot %d", m.AggregatorIndex, indices[0], d.Slot))
	}
	// [REJECT] aggregate_and_proof.selection_proof selects the validator as an aggregator for the slot.
	if !IsAggregator(uint64(len(committee)), m.SelectionProof) {
		return reject(errf(ErrNotAggregator, "aggregator %d at slot %d", m.AggregatorIndex, d.Slot))
	}
	indexed, err := helpers.GetIndexedAttestation(c.env, state, agg)
	if err != nil {
		return reject(errf(ErrNotInCommittee, "%v", err))
	}
	// [REJECT] The selection proof, the aggregator's signature and the aggregate signature are valid.
	var slotRoot primitives.Root // hash_tree_root(Slot)
	binary.LittleEndian.PutUint64(slotRoot[:8], uint64(d.Slot))
	epoch := helpers.ComputeEpochAtSlot(d.Slot)
	proof, err := c.signatureSet(state, m.AggregatorIndex, slotRoot, helpers.GetDomain(state, params.DomainSelectionProof, epoch), m.SelectionProof)
	if err != nil {
		return reject(err)
	}
	outer, err := c.signatureSet(state, m.AggregatorIndex, types.HashTreeRoot(m), helpers.GetDomain(state, params.DomainAggregateAndProof, epoch), sa.Signature)
	if err != nil {
		return reject(err)
	}
	pk, err := helpers.AggregatePublicKey(c.env, state, indexed.AttestingIndices)
	if err != nil {
		return reject(errf(ErrBadSignature, "aggregate key: %v", err))
	}
	inner, err := makeSet(pk, types.HashTreeRoot(d), helpers.GetDomain(state, params.DomainBeaconAttester, d.Target.Epoch), agg.Signature)
	if err != nil {
		return reject(err)
	}
	out2 := pending("aggregate signatures", proof, outer, inner)
	out2.Indexed = indexed
	return out2
}

func invalid(f string, a ...any) Outcome { return reject(errf(ErrInvalidOperation, f, a...)) }

// ValidateVoluntaryExit runs the stateful voluntary_exit condition: process_voluntary_exit's checks pass against
// the head's epoch state. They are repeated here because process_voluntary_exit changes the state it checks.
//
// The operations are checked against the state of the head's epoch checkpoint (headEpochState), not the head's
// post-state: the store keeps the former, while the latter costs a replay after every block, which would miss
// gossip's deadline on a mainnet registry. An operation that a block of the current epoch made moot (a validator
// slashed or exiting since) may pass; block production checks operations again.
func (c *Checker) ValidateVoluntaryExit(ctx context.Context, e *types.SignedVoluntaryExit) Outcome {
	state, epoch, out := c.headEpochState(ctx)
	if out != nil {
		return *out
	}
	index := e.Message.ValidatorIndex
	v, err := helpers.GetValidator(state, index)
	if err != nil {
		return invalid("exit of validator %d: %v", index, err)
	}
	switch {
	case !helpers.IsActiveValidator(v, epoch):
		return invalid("validator %d is not active", index)
	case v.ExitEpoch != primitives.FarFutureEpoch:
		return invalid("validator %d is already exiting", index)
	case epoch < e.Message.Epoch:
		return invalid("exit valid from epoch %d, now %d", e.Message.Epoch, epoch)
	case uint64(epoch) < uint64(v.ActivationEpoch)+uint64(c.env.Spec.ShardCommitteePeriod):
		return invalid("validator %d has not served SHARD_COMMITTEE_PERIOD", index)
	}
	// The epoch state may still hold partial withdrawals that blocks of the head's epoch have since paid out, so
	// pending withdrawals cannot prove the exit invalid: IGNORE rather than penalize a peer whose head is newer.
	if pending, err := helpers.GetPendingBalanceToWithdraw(state, index); err != nil {
		return invalid("validator %d: %v", index, err)
	} else if pending != 0 {
		return ignore(errf(ErrStaleState, "validator %d has %d Gwei of withdrawals pending at epoch %d's start", index, pending, epoch))
	}
	// EIP-7044: exits are signed under the Capella fork version for good.
	domain := params.ComputeDomain(params.DomainVoluntaryExit, c.env.Spec.ForkVersion(params.Capella), state.GenesisValidatorsRoot)
	set, err := c.signatureSet(state, index, types.HashTreeRoot(e.Message), domain, e.Signature)
	if err != nil {
		return reject(err)
	}
	return pending("exit signature", set)
}

// ValidateProposerSlashing runs the stateful proposer_slashing condition: process_proposer_slashing's checks
// pass against the head's epoch state.
func (c *Checker) ValidateProposerSlashing(ctx context.Context, s *types.ProposerSlashing) Outcome {
	state, epoch, out := c.headEpochState(ctx)
	if out != nil {
		return *out
	}
	h1, h2 := s.SignedHeader1.Message, s.SignedHeader2.Message
	if h1.Slot != h2.Slot || h1.ProposerIndex != h2.ProposerIndex || *h1 == *h2 {
		return invalid("headers are not a slashable pair")
	}
	v, err := helpers.GetValidator(state, h1.ProposerIndex)
	if err != nil {
		return invalid("proposer %d: %v", h1.ProposerIndex, err)
	}
	if !helpers.IsSlashableValidator(v, epoch) {
		return invalid("proposer %d is not slashable", h1.ProposerIndex)
	}
	var sets []bls.SignatureSet
	for _, sh := range []*types.SignedBeaconBlockHeader{s.SignedHeader1, s.SignedHeader2} {
		domain := helpers.GetDomain(state, params.DomainBeaconProposer, helpers.ComputeEpochAtSlot(sh.Message.Slot))
		set, err := c.signatureSet(state, sh.Message.ProposerIndex, types.HashTreeRoot(sh.Message), domain, sh.Signature)
		if err != nil {
			return reject(err)
		}
		sets = append(sets, set)
	}
	return pending("header signatures", sets...)
}

// ValidateAttesterSlashing runs the stateful attester_slashing condition: process_attester_slashing's checks pass
// against the head's epoch state (both attestations valid, and at least one validator in both still slashable).
func (c *Checker) ValidateAttesterSlashing(ctx context.Context, s *types.AttesterSlashing) Outcome {
	state, epoch, out := c.headEpochState(ctx)
	if out != nil {
		return *out
	}
	if !helpers.IsSlashableAttestationData(s.Attestation1.Data, s.Attestation2.Data) {
		return invalid("attestations are neither a double nor a surround vote")
	}
	var sets collectSets
	for i, a := range []*types.IndexedAttestation{s.Attestation1, s.Attestation2} {
		if err := helpers.IsValidIndexedAttestation(c.env, state, a, &sets); err != nil {
			if errors.Is(err, helpers.ErrInvalidSignature) {
				return reject(errf(ErrBadSignature, "attestation %d: %v", i+1, err))
			}
			return invalid("attestation %d: %v", i+1, err)
		}
	}
	in2 := map[primitives.ValidatorIndex]bool{}
	for _, i := range s.Attestation2.AttestingIndices {
		in2[i] = true
	}
	for _, i := range s.Attestation1.AttestingIndices {
		if !in2[i] {
			continue
		}
		if v, err := helpers.GetValidator(state, i); err == nil && helpers.IsSlashableValidator(v, epoch) {
			return pending("attester slashing signatures", sets...)
		}
	}
	return invalid("no validator in both attestations is slashable")
}

// collectSets is a helpers.SignatureVerifier that keeps the sets for the caller to verify.
type collectSets []bls.SignatureSet

func (c *collectSets) Add(set helpers.SignatureSet) error {
	*c = append(*c, bls.SignatureSet{PublicKey: set.PublicKey, Message: set.SigningRoot[:], Signature: set.Signature})
	return nil
}

// ValidateBLSToExecutionChange runs the stateful bls_to_execution_change condition: process_bls_to_execution_change's
// checks pass against the head's epoch state. The gossip actor verified the signature: its key travels in the message.
func (c *Checker) ValidateBLSToExecutionChange(ctx context.Context, s *types.SignedBLSToExecutionChange) Outcome {
	state, epoch, out := c.headEpochState(ctx)
	if out != nil {
		return *out
	}
	m := s.Message
	// A validator the epoch state lacks may have been added since (a deposit applied at the epoch boundary or by
	// a block of the head's epoch): not provably invalid.
	if uint64(m.ValidatorIndex) >= uint64(len(state.Validators)) {
		return ignore(errf(ErrStaleState, "validator %d is not in the registry at epoch %d's start", m.ValidatorIndex, epoch))
	}
	v, err := helpers.GetValidator(state, m.ValidatorIndex)
	if err != nil {
		return invalid("validator %d: %v", m.ValidatorIndex, err)
	}
	creds := v.WithdrawalCredentials
	if creds[0] != helpers.BLSWithdrawalPrefix {
		return invalid("validator %d has no BLS withdrawal credentials", m.ValidatorIndex)
	}
	if h := sha256.Sum256(m.FromBLSPubkey[:]); [31]byte(creds[1:]) != [31]byte(h[1:]) {
		return invalid("key %#x does not match validator %d's withdrawal credentials", m.FromBLSPubkey, m.ValidatorIndex)
	}
	return accept()
}
