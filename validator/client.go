package validator

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
	"github.com/salamander-client/salamander/validator/slashingprotection"
)

// ClientConfig is what the operator decides for the validators.
type ClientConfig struct {
	Graffiti     [32]byte
	FeeRecipient primitives.ExecutionAddress
}

// Report says what one duty step did, for the logs and for tests. Refused counts the signatures slashing
// protection refused; Errors the duties that failed otherwise.
type Report struct {
	Slot          primitives.Slot
	Proposed      int
	Attested      int
	Aggregated    int
	SyncMessages  int
	Contributions int
	Refused       int
	Errors        []error
}

// Err joins the report's errors.
func (r Report) Err() error { return errors.Join(r.Errors...) }

func (r *Report) fail(err error) {
	if errors.Is(err, slashingprotection.ErrSlashable) {
		r.Refused++
	}
	r.Errors = append(r.Errors, err)
}

// Client performs the duties of the signer's validators through a beacon node, step by step as the slot passes:
// ProposeBlock at the slot's start, Attest at ATTESTATION_DUE_BPS (its sync committee messages with it), Aggregate
// at AGGREGATE_DUE_BPS (its sync contributions with it). It keeps the duties of the epochs it works in and what it
// attested to, for the aggregation of the same slot. A Client is not safe for concurrent use: one goroutine runs
// its steps, in slot order.
type Client struct {
	signer *Signer
	node   BeaconNode
	config ClientConfig

	indices   map[primitives.BLSPubkey]primitives.ValidatorIndex
	attesters map[primitives.Epoch][]AttesterDuty
	sync      map[uint64][]SyncCommitteeDuty // by sync committee period
	attested  map[primitives.Slot][]attested
	syncRoots map[primitives.Slot]primitives.Root
}

// attested is an attestation the client published, remembered for the aggregation of its slot.
type attested struct {
	duty     AttesterDuty
	dataRoot primitives.Root
}

// NewClient returns a client of signer's validators on node.
func NewClient(signer *Signer, node BeaconNode, config ClientConfig) *Client {
	return &Client{signer: signer, node: node, config: config,
		indices:   make(map[primitives.BLSPubkey]primitives.ValidatorIndex),
		attesters: make(map[primitives.Epoch][]AttesterDuty),
		sync:      make(map[uint64][]SyncCommitteeDuty),
		attested:  make(map[primitives.Slot][]attested),
		syncRoots: make(map[primitives.Slot]primitives.Root),
	}
}

// resolveIndices asks the node for the indices of the validators it does not know yet: deposits that reached the
// registry since.
func (c *Client) resolveIndices(ctx context.Context) error {
	var unknown []primitives.BLSPubkey
	for _, pk := range c.signer.Pubkeys() {
		if _, ok := c.indices[pk]; !ok {
			unknown = append(unknown, pk)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	found, err := c.node.ValidatorIndices(ctx, unknown)
	if err != nil {
		return fmt.Errorf("validator indices: %w", err)
	}
	maps.Copy(c.indices, found)
	return nil
}

func (c *Client) ourIndices() []primitives.ValidatorIndex {
	indices := slices.Collect(maps.Values(c.indices))
	slices.Sort(indices)
	return indices
}

// attesterDuties returns (and caches) the client's attester duties of epoch.
func (c *Client) attesterDuties(ctx context.Context, epoch primitives.Epoch) ([]AttesterDuty, error) {
	if duties, ok := c.attesters[epoch]; ok {
		return duties, nil
	}
	if err := c.resolveIndices(ctx); err != nil {
		return nil, err
	}
	duties, err := c.node.AttesterDuties(ctx, epoch, c.ourIndices())
	if err != nil {
		return nil, fmt.Errorf("attester duties of epoch %d: %w", epoch, err)
	}
	c.attesters[epoch] = duties
	return duties, nil
}

// syncDuties returns (and caches) the client's sync committee duties of epoch's period.
func (c *Client) syncDuties(ctx context.Context, epoch primitives.Epoch) ([]SyncCommitteeDuty, error) {
	period := ComputeSyncCommitteePeriod(epoch)
	if duties, ok := c.sync[period]; ok {
		return duties, nil
	}
	if err := c.resolveIndices(ctx); err != nil {
		return nil, err
	}
	duties, err := c.node.SyncCommitteeDuties(ctx, epoch, c.ourIndices())
	if err != nil {
		return nil, fmt.Errorf("sync committee duties of epoch %d: %w", epoch, err)
	}
	c.sync[period] = duties
	return duties, nil
}

// ProposeBlock proposes the block of slot if one of the client's validators is its proposer. Proposer duties are
// asked for every slot: a reorg may change them, and proposing on a stale assignment wastes the slot.
func (c *Client) ProposeBlock(ctx context.Context, slot primitives.Slot) Report {
	report := Report{Slot: slot}
	c.forget(slot)
	if err := c.resolveIndices(ctx); err != nil {
		report.fail(err)
		return report
	}
	duties, err := c.node.ProposerDuties(ctx, epochAtSlot(slot))
	if err != nil {
		report.fail(fmt.Errorf("proposer duties: %w", err))
		return report
	}
	for _, duty := range duties {
		if duty.Slot != slot {
			continue
		}
		if index, ours := c.indices[duty.Pubkey]; !ours || index != duty.ValidatorIndex {
			continue
		}
		if err := c.propose(ctx, duty); err != nil {
			report.fail(err)
			continue
		}
		report.Proposed++
	}
	return report
}

func (c *Client) propose(ctx context.Context, duty ProposerDuty) error {
	randaoReveal, err := c.signer.GetEpochSignature(duty.Pubkey, epochAtSlot(duty.Slot))
	if err != nil {
		return fmt.Errorf("propose at slot %d: %w", duty.Slot, err)
	}
	blk, err := c.node.ProduceBlock(ctx, BlockRequest{Slot: duty.Slot, RandaoReveal: randaoReveal,
		Graffiti: c.config.Graffiti, FeeRecipient: c.config.FeeRecipient})
	if err != nil {
		return fmt.Errorf("propose at slot %d: %w", duty.Slot, err)
	}
	// The node's block is signed as it is; what the signature commits to must be what was asked for.
	if blk.Slot != duty.Slot || blk.ProposerIndex != duty.ValidatorIndex {
		return fmt.Errorf("propose at slot %d: %w: the node built slot %d for proposer %d", duty.Slot, ErrNotProposer,
			blk.Slot, blk.ProposerIndex)
	}
	signature, err := c.signer.GetBlockSignature(duty.Pubkey, blk)
	if err != nil {
		return fmt.Errorf("propose at slot %d: %w", duty.Slot, err)
	}
	if err := c.node.PublishBlock(ctx, &types.SignedBeaconBlock{Message: blk, Signature: signature}); err != nil {
		return fmt.Errorf("publish block at slot %d: %w", duty.Slot, err)
	}
	return nil
}

// Attest makes the attestations of the client's attesters at slot (SingleAttestation, Electra) and the sync
// committee messages of its members of the committee that signs slot's head.
func (c *Client) Attest(ctx context.Context, slot primitives.Slot) Report {
	report := Report{Slot: slot}
	if err := c.attest(ctx, slot, &report); err != nil {
		report.fail(err)
	}
	if err := c.syncCommitteeMessages(ctx, slot, &report); err != nil {
		report.fail(err)
	}
	return report
}

func (c *Client) attest(ctx context.Context, slot primitives.Slot, report *Report) error {
	duties, err := c.attesterDuties(ctx, epochAtSlot(slot))
	if err != nil {
		return err
	}
	var due []AttesterDuty
	for _, d := range duties {
		if d.Slot == slot {
			due = append(due, d)
		}
	}
	if len(due) == 0 {
		return nil
	}
	data, err := c.node.AttestationData(ctx, slot)
	if err != nil {
		return fmt.Errorf("attestation data of slot %d: %w", slot, err)
	}
	requests := make([]AttestationToSign, len(due))
	for i, d := range due {
		requests[i] = AttestationToSign{Pubkey: d.Pubkey, Data: data}
	}
	signatures, errs, err := c.signer.GetAttestationSignatures(requests)
	if err != nil {
		return err
	}
	dataRoot := types.HashTreeRoot(data)
	var attestations []*types.SingleAttestation
	for i, d := range due {
		if errs[i] != nil {
			report.fail(errs[i])
			continue
		}
		attestations = append(attestations, NewSingleAttestation(d, data, signatures[i]))
		c.attested[slot] = append(c.attested[slot], attested{duty: d, dataRoot: dataRoot})
	}
	if len(attestations) == 0 {
		return nil
	}
	if err := c.node.PublishAttestations(ctx, attestations); err != nil {
		return fmt.Errorf("publish attestations of slot %d: %w", slot, err)
	}
	report.Attested += len(attestations)
	return nil
}

// syncCommitteeMessages signs slot's head for the members of the committee in force at slot+1, whose block will
// carry the messages.
func (c *Client) syncCommitteeMessages(ctx context.Context, slot primitives.Slot, report *Report) error {
	duties, err := c.syncDuties(ctx, epochAtSlot(slot+1))
	if err != nil || len(duties) == 0 {
		return err
	}
	root, err := c.node.HeadBlockRoot(ctx)
	if err != nil {
		return fmt.Errorf("sync committee messages of slot %d: %w", slot, err)
	}
	signed := make([]*types.SyncCommitteeMessage, len(duties))
	errs := make([]error, len(duties))
	inParallel(len(duties), func(i int) {
		signed[i], errs[i] = c.signer.GetSyncCommitteeMessage(duties[i].Pubkey, duties[i].ValidatorIndex, slot, root)
	})
	var messages []*types.SyncCommitteeMessage
	for i, message := range signed {
		if errs[i] != nil {
			report.fail(errs[i])
			continue
		}
		messages = append(messages, message)
	}
	if len(messages) == 0 {
		return nil
	}
	if err := c.node.PublishSyncCommitteeMessages(ctx, messages); err != nil {
		return fmt.Errorf("publish sync committee messages of slot %d: %w", slot, err)
	}
	c.syncRoots[slot] = root
	report.SyncMessages += len(messages)
	return nil
}

// Aggregate publishes the aggregates of the client's attesters of slot that is_aggregator selects, and the
// contributions of its sync committee members that is_sync_committee_aggregator selects.
func (c *Client) Aggregate(ctx context.Context, slot primitives.Slot) Report {
	report := Report{Slot: slot}
	if err := c.aggregateAttestations(ctx, slot, &report); err != nil {
		report.fail(err)
	}
	if err := c.contribute(ctx, slot, &report); err != nil {
		report.fail(err)
	}
	return report
}

func (c *Client) aggregateAttestations(ctx context.Context, slot primitives.Slot, report *Report) error {
	mine := c.attested[slot]
	proofs := make([]primitives.BLSSignature, len(mine))
	errs := make([]error, len(mine))
	inParallel(len(mine), func(i int) { proofs[i], errs[i] = c.signer.GetSlotSignature(mine[i].duty.Pubkey, slot) })
	var aggregates []*types.SignedAggregateAndProof
	for i, a := range mine {
		if errs[i] != nil {
			report.fail(errs[i])
			continue
		}
		proof := proofs[i]
		if !IsAggregator(a.duty.CommitteeLength, proof) {
			continue
		}
		aggregate, err := c.node.AggregateAttestation(ctx, a.dataRoot, a.duty.CommitteeIndex)
		if err != nil {
			report.fail(fmt.Errorf("aggregate of slot %d committee %d: %w", slot, a.duty.CommitteeIndex, err))
			continue
		}
		if aggregate == nil {
			continue
		}
		message := &types.AggregateAndProof{AggregatorIndex: a.duty.ValidatorIndex, Aggregate: aggregate, SelectionProof: proof}
		signature, err := c.signer.GetAggregateAndProofSignature(a.duty.Pubkey, message)
		if err != nil {
			report.fail(err)
			continue
		}
		aggregates = append(aggregates, &types.SignedAggregateAndProof{Message: message, Signature: signature})
	}
	if len(aggregates) == 0 {
		return nil
	}
	if err := c.node.PublishAggregateAndProofs(ctx, aggregates); err != nil {
		return fmt.Errorf("publish aggregates of slot %d: %w", slot, err)
	}
	report.Aggregated += len(aggregates)
	return nil
}

func (c *Client) contribute(ctx context.Context, slot primitives.Slot, report *Report) error {
	root, ok := c.syncRoots[slot]
	if !ok {
		return nil // no member of ours signed this slot
	}
	duties, err := c.syncDuties(ctx, epochAtSlot(slot+1))
	if err != nil {
		return err
	}
	// Every member signs a selection proof for each subcommittee it sits in; only the selected aggregate.
	type seat struct {
		duty  SyncCommitteeDuty
		sub   uint64
		proof primitives.BLSSignature
		err   error
	}
	var seats []seat
	for _, d := range duties {
		for _, sub := range d.Subcommittees() {
			seats = append(seats, seat{duty: d, sub: sub})
		}
	}
	inParallel(len(seats), func(i int) {
		seats[i].proof, seats[i].err = c.signer.GetSyncCommitteeSelectionProof(seats[i].duty.Pubkey, slot, seats[i].sub)
	})
	var contributions []*types.SignedContributionAndProof
	for _, s := range seats {
		if s.err != nil {
			report.fail(s.err)
			continue
		}
		if !IsSyncCommitteeAggregator(s.proof) {
			continue
		}
		contribution, err := c.node.SyncCommitteeContribution(ctx, slot, s.sub, root)
		if err != nil {
			report.fail(fmt.Errorf("contribution of slot %d subcommittee %d: %w", slot, s.sub, err))
			continue
		}
		if contribution == nil {
			continue
		}
		message := &types.ContributionAndProof{AggregatorIndex: s.duty.ValidatorIndex, Contribution: contribution, SelectionProof: s.proof}
		signature, err := c.signer.GetContributionAndProofSignature(s.duty.Pubkey, message)
		if err != nil {
			report.fail(err)
			continue
		}
		contributions = append(contributions, &types.SignedContributionAndProof{Message: message, Signature: signature})
	}
	if len(contributions) == 0 {
		return nil
	}
	if err := c.node.PublishContributionAndProofs(ctx, contributions); err != nil {
		return fmt.Errorf("publish contributions of slot %d: %w", slot, err)
	}
	report.Contributions += len(contributions)
	return nil
}

// forget drops what the client remembers of slots and epochs it will not work in again.
func (c *Client) forget(current primitives.Slot) {
	for s := range c.attested {
		if s+1 < current {
			delete(c.attested, s)
		}
	}
	for s := range c.syncRoots {
		if s+1 < current {
			delete(c.syncRoots, s)
		}
	}
	epoch := epochAtSlot(current)
	for e := range c.attesters {
		if e+1 < epoch {
			delete(c.attesters, e)
		}
	}
	period := ComputeSyncCommitteePeriod(epoch)
	for p := range c.sync {
		if p+1 < period {
			delete(c.sync, p)
		}
	}
}

// inParallel runs fn(0) ... fn(n-1) on the available cores: a node with many validators makes hundreds of
// signatures a slot, each a hash to the curve and a scalar multiplication. A panic in fn is raised again on the
// calling goroutine, where its actor's recovery sees it.
func inParallel(n int, fn func(i int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var panicked atomic.Pointer[any]
	for range workers {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					panicked.CompareAndSwap(nil, &r)
				}
			}()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		})
	}
	wg.Wait()
	if r := panicked.Load(); r != nil {
		panic(*r)
	}
}
