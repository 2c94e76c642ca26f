package validator

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/prysmaticlabs/go-bitfield"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// DefaultMaxAttestationGroups bounds an OperationPool's attestation groups (one per attestation data and committee)
// when NewOperationPool is given zero: two epochs of a mainnet-sized network's 64 committees per slot.
const DefaultMaxAttestationGroups = 2 * 32 * 64

// maxAggregatesPerGroup bounds the overlapping aggregates kept for one attestation data and committee: beyond a
// few, a new one seldom adds anyone.
const maxAggregatesPerGroup = 4

// OperationPool collects what a proposer packs into a block and an aggregator aggregates: attestations, grouped
// by attestation data root and committee and aggregated as they arrive, and sync committee messages and
// contributions. Everything given to it must have been validated (gossip validation, or this node's own
// validators); the pool only merges. It is bounded and pruned by slot, and safe for concurrent use.
type OperationPool struct {
	mu        sync.Mutex
	maxGroups int
	groups    map[attestationKey]*attestationGroup
	sync      map[contributionKey]*syncGroup
}

type attestationKey struct {
	dataRoot  primitives.Root
	committee primitives.CommitteeIndex
}

// attestationGroup holds the aggregates of one attestation data for one committee. Aggregates with disjoint bits
// are merged as they come; overlapping ones are kept apart, the best first when asked.
type attestationGroup struct {
	data       *types.AttestationData
	aggregates []*types.Attestation // each with the one committee bit of the key
}

type contributionKey struct {
	slot         primitives.Slot
	blockRoot    primitives.Root
	subcommittee uint64
}

// syncGroup is the best contribution seen for a slot, block root and subcommittee, and the one the pool builds
// from single sync committee messages.
type syncGroup struct {
	best  *types.SyncCommitteeContribution
	local *localContribution
}

// localContribution is a contribution the pool aggregates from messages. Its signatures are aggregated when it is
// read, not as each message comes: a subcommittee's messages arrive by the dozen and are read once or twice.
type localContribution struct {
	contribution types.SyncCommitteeContribution
	signatures   []*bls.Signature
}

// NewOperationPool returns an empty pool of at most maxGroups attestation groups (zero for
// DefaultMaxAttestationGroups).
func NewOperationPool(maxGroups int) *OperationPool {
	if maxGroups <= 0 {
		maxGroups = DefaultMaxAttestationGroups
	}
	return &OperationPool{maxGroups: maxGroups, groups: make(map[attestationKey]*attestationGroup),
		sync: make(map[contributionKey]*syncGroup)}
}

// AddSingleAttestation adds a validated SingleAttestation of a validator at position in its committee of
// committeeLength members.
func (p *OperationPool) AddSingleAttestation(single *types.SingleAttestation, committeeLength, position uint64) error {
	if position >= committeeLength {
		return fmt.Errorf("add attestation: %w: position %d in a committee of %d", ErrInvalidOperation, position, committeeLength)
	}
	bits := bitfield.NewBitlist(committeeLength)
	bits.SetBitAt(position, true)
	attestation := &types.Attestation{AggregationBits: bits, Data: single.Data, Signature: single.Signature}
	setCommitteeBit(&attestation.CommitteeBits, single.CommitteeIndex)
	return p.AddAttestation(attestation)
}

// AddAttestation adds a validated aggregate of one committee (a network aggregate, or a single attestation in
// that form): exactly one committee bit set.
func (p *OperationPool) AddAttestation(attestation *types.Attestation) error {
	committees := helpers.GetCommitteeIndices(attestation.CommitteeBits)
	if len(committees) != 1 || attestation.Data == nil || attestation.Data.Source == nil || attestation.Data.Target == nil ||
		attestation.AggregationBits.Len() == 0 {
		return fmt.Errorf("add attestation: %w: want one committee and aggregation bits", ErrInvalidOperation)
	}
	key := attestationKey{dataRoot: types.HashTreeRoot(attestation.Data), committee: committees[0]}

	p.mu.Lock()
	defer p.mu.Unlock()
	group, ok := p.groups[key]
	if !ok {
		if len(p.groups) >= p.maxGroups && !p.evictOldest(attestation.Data.Slot) {
			return fmt.Errorf("add attestation: %w", ErrPoolFull)
		}
		group = &attestationGroup{data: attestation.Data}
		p.groups[key] = group
	}
	return group.add(attestation)
}

// evictOldest drops a group of the lowest slot to make room for one at slot; false if none is older than slot.
func (p *OperationPool) evictOldest(slot primitives.Slot) bool {
	var oldest attestationKey
	found := false
	for k, g := range p.groups {
		if g.data.Slot < slot && (!found || g.data.Slot < p.groups[oldest].data.Slot) {
			oldest, found = k, true
		}
	}
	if found {
		delete(p.groups, oldest)
	}
	return found
}

func (g *attestationGroup) add(attestation *types.Attestation) error {
	for i, existing := range g.aggregates {
		if existing.AggregationBits.Len() != attestation.AggregationBits.Len() {
			return fmt.Errorf("add attestation: %w: %d aggregation bits, the committee has %d", ErrInvalidOperation,
				attestation.AggregationBits.Len(), existing.AggregationBits.Len())
		}
		if contained, _ := existing.AggregationBits.Contains(attestation.AggregationBits); contained {
			return nil // adds nobody
		}
		if overlaps, _ := existing.AggregationBits.Overlaps(attestation.AggregationBits); !overlaps {
			merged, err := mergeAggregates(existing, attestation)
			if err != nil {
				return err
			}
			g.aggregates[i] = merged
			return nil
		}
	}
	g.aggregates = append(g.aggregates, copyAttestation(attestation))
	slices.SortStableFunc(g.aggregates, func(a, b *types.Attestation) int {
		return cmp.Compare(b.AggregationBits.Count(), a.AggregationBits.Count())
	})
	if len(g.aggregates) > maxAggregatesPerGroup {
		g.aggregates = g.aggregates[:maxAggregatesPerGroup]
	}
	return nil
}

// mergeAggregates aggregates two attestations with disjoint bits of the same data and committee.
func mergeAggregates(a, b *types.Attestation) (*types.Attestation, error) {
	bits, err := a.AggregationBits.Or(b.AggregationBits)
	if err != nil {
		return nil, fmt.Errorf("merge attestations: %w: %w", ErrInvalidOperation, err)
	}
	signature, err := aggregateSignatures([]primitives.BLSSignature{a.Signature, b.Signature})
	if err != nil {
		return nil, fmt.Errorf("merge attestations: %w", err)
	}
	return &types.Attestation{AggregationBits: bits, Data: a.Data, Signature: signature, CommitteeBits: a.CommitteeBits}, nil
}

// AggregateAttestation returns the best aggregate (the most attesters) of the attestation data with root dataRoot
// for committee, or nil if the pool has none: what an aggregator publishes.
func (p *OperationPool) AggregateAttestation(dataRoot primitives.Root, committee primitives.CommitteeIndex) *types.Attestation {
	p.mu.Lock()
	defer p.mu.Unlock()
	group, ok := p.groups[attestationKey{dataRoot: dataRoot, committee: committee}]
	if !ok || len(group.aggregates) == 0 {
		return nil
	}
	return copyAttestation(group.aggregates[0])
}

// AttestationsForBlock returns the attestations a block at state's slot should carry: for each attestation data
// that process_attestation accepts on state (its target in the current or previous epoch, its source the matching
// justified checkpoint, at least MIN_ATTESTATION_INCLUSION_DELAY old), the on-chain aggregate of the best aggregate
// of each committee (compute_on_chain_aggregate); the MAX_ATTESTATIONS_ELECTRA that bring the most attesters who
// have not attested to their target yet.
func (p *OperationPool) AttestationsForBlock(env *helpers.Env, state *types.BeaconState) ([]*types.Attestation, error) {
	current, previous := helpers.GetCurrentEpoch(state), helpers.GetPreviousEpoch(state)
	byData := make(map[primitives.Root][]*types.Attestation)
	p.mu.Lock()
	for key, group := range p.groups {
		data := group.data
		if len(group.aggregates) == 0 || data.Index != 0 || data.Slot+params.MinAttestationInclusionDelay > state.Slot {
			continue
		}
		var justified *types.Checkpoint
		switch data.Target.Epoch {
		case current:
			justified = state.CurrentJustifiedCheckpoint
		case previous:
			justified = state.PreviousJustifiedCheckpoint
		default:
			continue
		}
		if *data.Source != *justified || helpers.ComputeEpochAtSlot(data.Slot) != data.Target.Epoch {
			continue
		}
		byData[key.dataRoot] = append(byData[key.dataRoot], copyAttestation(group.aggregates[0]))
	}
	p.mu.Unlock()

	type candidate struct {
		attestation *types.Attestation
		fresh       int
	}
	var candidates []candidate
	for _, aggregates := range byData {
		onChain, err := ComputeOnChainAggregate(aggregates)
		if err != nil {
			return nil, err
		}
		fresh, err := freshAttesters(env, state, onChain)
		if err != nil {
			continue // a committee that does not exist on this branch: the data is not for this block
		}
		if fresh > 0 {
			candidates = append(candidates, candidate{onChain, fresh})
		}
	}
	slices.SortFunc(candidates, func(a, b candidate) int {
		if c := cmp.Compare(b.fresh, a.fresh); c != 0 {
			return c
		}
		if c := cmp.Compare(b.attestation.Data.Slot, a.attestation.Data.Slot); c != 0 {
			return c
		}
		ra, rb := types.HashTreeRoot(a.attestation.Data), types.HashTreeRoot(b.attestation.Data)
		return bytes.Compare(ra[:], rb[:])
	})
	out := make([]*types.Attestation, 0, min(len(candidates), params.MaxAttestationsElectra))
	for _, c := range candidates[:min(len(candidates), params.MaxAttestationsElectra)] {
		out = append(out, c.attestation)
	}
	return out, nil
}

// freshAttesters counts the attesters of attestation who have not yet attested to its target epoch on state (no
// TIMELY_TARGET flag): the reward the attestation still brings.
func freshAttesters(env *helpers.Env, state *types.BeaconState, attestation *types.Attestation) (int, error) {
	attesters, err := helpers.GetAttestingIndices(env, state, attestation)
	if err != nil {
		return 0, err
	}
	participation := state.CurrentEpochParticipation
	if attestation.Data.Target.Epoch != helpers.GetCurrentEpoch(state) {
		participation = state.PreviousEpochParticipation
	}
	fresh := 0
	for _, index := range attesters {
		if uint64(index) < uint64(len(participation)) && !helpers.HasFlag(participation[index], timelyTargetFlagIndex) {
			fresh++
		}
	}
	return fresh, nil
}

// timelyTargetFlagIndex is the spec's TIMELY_TARGET_FLAG_INDEX.
const timelyTargetFlagIndex = 1

// ComputeOnChainAggregate is the spec's compute_on_chain_aggregate (electra): one attestation of several network
// aggregates of the same data, each of one committee, their bits concatenated in committee order.
func ComputeOnChainAggregate(networkAggregates []*types.Attestation) (*types.Attestation, error) {
	if len(networkAggregates) == 0 {
		return nil, fmt.Errorf("compute_on_chain_aggregate: %w: no aggregates", ErrInvalidOperation)
	}
	type entry struct {
		committee   primitives.CommitteeIndex
		attestation *types.Attestation
	}
	entries := make([]entry, 0, len(networkAggregates))
	for _, a := range networkAggregates {
		committees := helpers.GetCommitteeIndices(a.CommitteeBits)
		if len(committees) != 1 {
			return nil, fmt.Errorf("compute_on_chain_aggregate: %w: a network aggregate has %d committee bits", ErrInvalidOperation, len(committees))
		}
		entries = append(entries, entry{committees[0], a})
	}
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(a.committee, b.committee) })

	total := uint64(0)
	for i, e := range entries {
		if i > 0 && e.committee == entries[i-1].committee {
			return nil, fmt.Errorf("compute_on_chain_aggregate: %w: two aggregates of committee %d", ErrInvalidOperation, e.committee)
		}
		total += e.attestation.AggregationBits.Len()
	}
	out := &types.Attestation{AggregationBits: bitfield.NewBitlist(total), Data: entries[0].attestation.Data}
	signatures := make([]primitives.BLSSignature, 0, len(entries))
	offset := uint64(0)
	for _, e := range entries {
		bits := e.attestation.AggregationBits
		for i := range bits.Len() {
			if bits.BitAt(i) {
				out.AggregationBits.SetBitAt(offset+i, true)
			}
		}
		offset += bits.Len()
		signatures = append(signatures, e.attestation.Signature)
		setCommitteeBit(&out.CommitteeBits, e.committee)
	}
	signature, err := aggregateSignatures(signatures)
	if err != nil {
		return nil, fmt.Errorf("compute_on_chain_aggregate: %w", err)
	}
	out.Signature = signature
	return out, nil
}

// AddSyncCommitteeMessage adds a validated sync committee message of a validator at positions in the sync
// committee: it joins the contribution the pool builds for each subcommittee of those positions, once per position
// (a validator at two positions of a subcommittee counts twice, as the spec's aggregation does).
func (p *OperationPool) AddSyncCommitteeMessage(message *types.SyncCommitteeMessage, positions []uint64) error {
	signature, err := bls.SignatureFromBytes(message.Signature[:])
	if err != nil {
		return fmt.Errorf("add sync committee message: %w: %w", ErrInvalidOperation, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, position := range positions {
		if position >= params.SyncCommitteeSize {
			return fmt.Errorf("add sync committee message: %w: position %d", ErrInvalidOperation, position)
		}
		key := contributionKey{slot: message.Slot, blockRoot: message.BeaconBlockRoot, subcommittee: position / types.SyncSubcommitteeSize}
		group := p.syncGroup(key)
		bit := position % types.SyncSubcommitteeSize
		if group.local == nil {
			group.local = &localContribution{contribution: types.SyncCommitteeContribution{Slot: key.slot,
				BeaconBlockRoot: key.blockRoot, SubcommitteeIndex: key.subcommittee}}
		}
		bits := &group.local.contribution.AggregationBits
		if bits[bit/8]&(1<<(bit%8)) != 0 {
			continue
		}
		bits[bit/8] |= 1 << (bit % 8)
		group.local.signatures = append(group.local.signatures, signature)
	}
	return nil
}

// AddSyncCommitteeContribution adds a validated contribution; the pool keeps the best of each slot, block root and
// subcommittee.
func (p *OperationPool) AddSyncCommitteeContribution(contribution *types.SyncCommitteeContribution) error {
	if contribution.SubcommitteeIndex >= types.SyncCommitteeSubnetCount {
		return fmt.Errorf("add sync committee contribution: %w: subcommittee %d", ErrInvalidOperation, contribution.SubcommitteeIndex)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	group := p.syncGroup(contributionKey{slot: contribution.Slot, blockRoot: contribution.BeaconBlockRoot,
		subcommittee: contribution.SubcommitteeIndex})
	if group.best == nil || countBits(contribution.AggregationBits[:]) > countBits(group.best.AggregationBits[:]) {
		c := *contribution
		group.best = &c
	}
	return nil
}

func (p *OperationPool) syncGroup(key contributionKey) *syncGroup {
	group, ok := p.sync[key]
	if !ok {
		group = &syncGroup{}
		p.sync[key] = group
	}
	return group
}

// SyncCommitteeContribution returns the best contribution for slot, blockRoot and subcommittee (a gossiped one or
// the pool's own aggregate of messages, whichever has more participants), or nil.
func (p *OperationPool) SyncCommitteeContribution(slot primitives.Slot, blockRoot primitives.Root, subcommittee uint64) (*types.SyncCommitteeContribution, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	group, ok := p.sync[contributionKey{slot: slot, blockRoot: blockRoot, subcommittee: subcommittee}]
	if !ok {
		return nil, nil
	}
	local := group.local
	if local != nil && (group.best == nil || countBits(local.contribution.AggregationBits[:]) > countBits(group.best.AggregationBits[:])) {
		aggregate, err := bls.AggregateSignatures(local.signatures)
		if err != nil {
			return nil, fmt.Errorf("sync committee contribution: %w: %w", ErrInvalidOperation, err)
		}
		c := local.contribution
		c.Signature = aggregate.Bytes()
		return &c, nil
	}
	if group.best == nil {
		return nil, nil
	}
	c := *group.best
	return &c, nil
}

// SyncAggregate is the sync aggregate of a block at slot+1 whose parent is blockRoot: the spec's
// process_sync_committee_contributions over the best contribution of each subcommittee for slot and blockRoot. With
// none it is the empty aggregate (no bits, the point at infinity).
func (p *OperationPool) SyncAggregate(slot primitives.Slot, blockRoot primitives.Root) (*types.SyncAggregate, error) {
	var contributions []*types.SyncCommitteeContribution
	for sub := range uint64(types.SyncCommitteeSubnetCount) {
		c, err := p.SyncCommitteeContribution(slot, blockRoot, sub)
		if err != nil {
			return nil, err
		}
		if c != nil {
			contributions = append(contributions, c)
		}
	}
	return ProcessSyncCommitteeContributions(contributions)
}

// ProcessSyncCommitteeContributions is the spec's process_sync_committee_contributions: the sync aggregate of
// contributions of distinct subcommittees.
func ProcessSyncCommitteeContributions(contributions []*types.SyncCommitteeContribution) (*types.SyncAggregate, error) {
	aggregate := &types.SyncAggregate{SyncCommitteeSignature: helpers.G2PointAtInfinity()}
	var signatures []primitives.BLSSignature
	seen := make(map[uint64]bool)
	for _, c := range contributions {
		if seen[c.SubcommitteeIndex] || c.SubcommitteeIndex >= types.SyncCommitteeSubnetCount {
			return nil, fmt.Errorf("process_sync_committee_contributions: %w: subcommittee %d", ErrInvalidOperation, c.SubcommitteeIndex)
		}
		seen[c.SubcommitteeIndex] = true
		for index := range uint64(types.SyncSubcommitteeSize) {
			if c.AggregationBits[index/8]&(1<<(index%8)) != 0 {
				participant := types.SyncSubcommitteeSize*c.SubcommitteeIndex + index
				aggregate.SyncCommitteeBits[participant/8] |= 1 << (participant % 8)
			}
		}
		signatures = append(signatures, c.Signature)
	}
	if len(signatures) == 0 {
		return aggregate, nil
	}
	signature, err := aggregateSignatures(signatures)
	if err != nil {
		return nil, fmt.Errorf("process_sync_committee_contributions: %w", err)
	}
	aggregate.SyncCommitteeSignature = signature
	return aggregate, nil
}

// Prune drops what no block after currentSlot can include: attestations whose target epoch is before the previous
// epoch, sync committee messages and contributions of slots before the previous one.
func (p *OperationPool) Prune(currentSlot primitives.Slot) {
	epoch := helpers.ComputeEpochAtSlot(currentSlot)
	p.mu.Lock()
	defer p.mu.Unlock()
	for key, group := range p.groups {
		if group.data.Target.Epoch+1 < epoch {
			delete(p.groups, key)
		}
	}
	for key := range p.sync {
		if key.slot+1 < currentSlot {
			delete(p.sync, key)
		}
	}
}

// Len returns the number of attestation groups and of sync contribution groups held.
func (p *OperationPool) Len() (attestationGroups, syncGroups int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.groups), len(p.sync)
}

func setCommitteeBit(bits *[types.CommitteeBitsBytes]byte, index primitives.CommitteeIndex) {
	bits[index/8] |= 1 << (index % 8)
}

func countBits(b []byte) int {
	n := 0
	for _, x := range b {
		for ; x != 0; x &= x - 1 {
			n++
		}
	}
	return n
}

func copyAttestation(a *types.Attestation) *types.Attestation {
	c := *a
	c.AggregationBits = append(bitfield.Bitlist{}, a.AggregationBits...)
	data := *a.Data
	source, target := *a.Data.Source, *a.Data.Target
	data.Source, data.Target = &source, &target
	c.Data = &data
	return &c
}

// aggregateSignatures is bls.Aggregate over compressed signatures.
func aggregateSignatures(signatures []primitives.BLSSignature) (primitives.BLSSignature, error) {
	parsed := make([]*bls.Signature, len(signatures))
	for i, s := range signatures {
		sig, err := bls.SignatureFromBytes(s[:])
		if err != nil {
			return primitives.BLSSignature{}, fmt.Errorf("%w: signature %d: %w", ErrInvalidOperation, i, err)
		}
		parsed[i] = sig
	}
	aggregate, err := bls.AggregateSignatures(parsed)
	if err != nil {
		return primitives.BLSSignature{}, fmt.Errorf("%w: %w", ErrInvalidOperation, err)
	}
	return aggregate.Bytes(), nil
}
