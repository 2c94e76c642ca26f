package chaincheck

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// targetAggregatorsPerSyncSubcommittee is the spec's TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE (altair validator
// guide).
const targetAggregatorsPerSyncSubcommittee = 16

// syncSubcommitteeSize is SYNC_COMMITTEE_SIZE // SYNC_COMMITTEE_SUBNET_COUNT.
const syncSubcommitteeSize = params.SyncCommitteeSize / types.SyncCommitteeSubnetCount

func syncCommitteePeriod(e primitives.Epoch) uint64 {
	return uint64(e) / uint64(params.EpochsPerSyncCommitteePeriod)
}

// syncCommitteeFor returns the sync committee that signs at slot, as compute_subnets_for_sync_committee and
// get_sync_subcommittee_pubkeys choose it (by the epoch of slot+1), from a state of the same or the previous
// period: the head's, which need not have reached slot.
func syncCommitteeFor(state *types.BeaconState, slot primitives.Slot) (*types.SyncCommittee, error) {
	have, want := syncCommitteePeriod(helpers.GetCurrentEpoch(state)), syncCommitteePeriod(helpers.ComputeEpochAtSlot(slot+1))
	switch want {
	case have:
		return state.CurrentSyncCommittee, nil
	case have + 1:
		return state.NextSyncCommittee, nil
	}
	return nil, fmt.Errorf("slot %d is in sync committee period %d, the head's state knows %d and %d", slot, want, have, have+1)
}

// IsSyncCommitteeAggregator is the spec's is_sync_committee_aggregator.
func IsSyncCommitteeAggregator(selectionProof primitives.BLSSignature) bool {
	modulo := max(1, syncSubcommitteeSize/targetAggregatorsPerSyncSubcommittee)
	h := sha256.Sum256(selectionProof[:])
	return binary.LittleEndian.Uint64(h[:8])%uint64(modulo) == 0
}

// headEpochState returns a state of the head's epoch on its branch (epochState), for the sync committees and the
// operations, and the head's epoch: the state may be of the epoch before (the epoch's first slots were empty), and
// the operations' checks take the head's epoch as the current one, as the head's post-state would.
func (c *Checker) headEpochState(ctx context.Context) (*types.BeaconState, primitives.Epoch, *Outcome) {
	head, slot, err := c.chain.Head()
	if err == nil {
		epoch := helpers.ComputeEpochAtSlot(slot)
		var state *types.BeaconState
		if state, err = c.epochState(ctx, head, epoch); err == nil {
			return state, epoch, nil
		}
	}
	out := noState(err)
	return nil, 0, &out
}

// ValidateSyncCommitteeMessage runs the stateful sync_committee_{subnet_id} conditions (altair) against the head's
// sync committees: the validator's sync committee positions include subnet, and its signature is valid.
func (c *Checker) ValidateSyncCommitteeMessage(ctx context.Context, m *types.SyncCommitteeMessage, subnet uint64) Outcome {
	state, _, out := c.headEpochState(ctx)
	if out != nil {
		return *out
	}
	committee, err := syncCommitteeFor(state, m.Slot)
	if err != nil {
		return noState(err)
	}
	v, err := helpers.GetValidator(state, m.ValidatorIndex)
	if err != nil {
		return reject(errf(ErrNotInCommittee, "validator %d: %v", m.ValidatorIndex, err))
	}
	// [REJECT] subnet_id in compute_subnets_for_sync_committee(state, validator_index).
	onSubnet, member := false, false
	for i, pk := range committee.Pubkeys {
		if pk == v.Pubkey {
			member = true
			onSubnet = onSubnet || uint64(i/syncSubcommitteeSize) == subnet
		}
	}
	if !member {
		return reject(errf(ErrNotInCommittee, "validator %d is not in the sync committee of slot %d", m.ValidatorIndex, m.Slot))
	}
	if !onSubnet {
		return reject(errf(ErrWrongSubnet, "validator %d has no sync committee position on subnet %d", m.ValidatorIndex, subnet))
	}
	// [REJECT] The signature is valid for the message beacon_block_root for the validator.
	domain := helpers.GetDomain(state, params.DomainSyncCommittee, helpers.ComputeEpochAtSlot(m.Slot))
	set, err := c.signatureSet(state, m.ValidatorIndex, m.BeaconBlockRoot, domain, m.Signature)
	if err != nil {
		return reject(err)
	}
	return pending("sync committee message signature", set)
}

// ValidateContributionAndProof runs the stateful sync_committee_contribution_and_proof conditions (altair) against
// the head's sync committees. The spec's IGNORE of a contribution whose participants are a subset of one already seen is not
// checked: every such contribution is checked in full.
func (c *Checker) ValidateContributionAndProof(ctx context.Context, s *types.SignedContributionAndProof) Outcome {
	state, _, out := c.headEpochState(ctx)
	if out != nil {
		return *out
	}
	m := s.Message
	con := m.Contribution
	// [REJECT] The selection proof selects the validator as an aggregator for the slot.
	if !IsSyncCommitteeAggregator(m.SelectionProof) {
		return reject(errf(ErrNotAggregator, "sync aggregator %d at slot %d", m.AggregatorIndex, con.Slot))
	}
	committee, err := syncCommitteeFor(state, con.Slot)
	if err != nil {
		return noState(err)
	}
	v, err := helpers.GetValidator(state, m.AggregatorIndex)
	if err != nil {
		return reject(errf(ErrNotInCommittee, "aggregator %d: %v", m.AggregatorIndex, err))
	}
	// [REJECT] The aggregator is in the declared subcommittee of the sync committee.
	sub := committee.Pubkeys[con.SubcommitteeIndex*syncSubcommitteeSize : (con.SubcommitteeIndex+1)*syncSubcommitteeSize]
	member := false
	var participants []primitives.ValidatorIndex
	for i, pk := range sub {
		member = member || pk == v.Pubkey
		if con.AggregationBits[i/8]>>(i%8)&1 == 1 {
			index, ok := helpers.ValidatorIndexByPubkey(c.env, state, pk)
			if !ok {
				return noState(fmt.Errorf("sync committee member %#x is no validator", pk))
			}
			participants = append(participants, index)
		}
	}
	if !member {
		return reject(errf(ErrNotInCommittee, "aggregator %d is not in sync subcommittee %d", m.AggregatorIndex, con.SubcommitteeIndex))
	}
	// [REJECT] The selection proof, the aggregator's signature and the contribution's aggregate signature are valid.
	epoch := helpers.ComputeEpochAtSlot(con.Slot)
	selection := &types.SyncAggregatorSelectionData{Slot: con.Slot, SubcommitteeIndex: con.SubcommitteeIndex}
	proof, err := c.signatureSet(state, m.AggregatorIndex, types.HashTreeRoot(selection),
		helpers.GetDomain(state, params.DomainSyncCommitteeSelectionProof, epoch), m.SelectionProof)
	if err != nil {
		return reject(err)
	}
	outer, err := c.signatureSet(state, m.AggregatorIndex, types.HashTreeRoot(m),
		helpers.GetDomain(state, params.DomainContributionAndProof, epoch), s.Signature)
	if err != nil {
		return reject(err)
	}
	pk, err := helpers.AggregatePublicKey(c.env, state, participants)
	if err != nil {
		return reject(errf(ErrBadSignature, "participants' key: %v", err))
	}
	inner, err := makeSet(pk, con.BeaconBlockRoot, helpers.GetDomain(state, params.DomainSyncCommittee, epoch), con.Signature)
	if err != nil {
		return reject(err)
	}
	return pending("contribution signatures", proof, outer, inner)
}

// validateSync decodes and checks the sync committee topics.
func (c *Checker) validateSync(ctx context.Context, kind gossip.Kind, subnet uint64, ssz []byte) Outcome {
	if kind == gossip.SyncCommittee {
		var m types.SyncCommitteeMessage
		if err := types.Unmarshal(ssz, &m); err != nil {
			return reject(errf(ErrMalformed, "%v", err))
		}
		return c.ValidateSyncCommitteeMessage(ctx, &m, subnet)
	}
	var m types.SignedContributionAndProof
	if err := types.Unmarshal(ssz, &m); err != nil {
		return reject(errf(ErrMalformed, "%v", err))
	}
	if m.Message.Contribution.SubcommitteeIndex >= types.SyncCommitteeSubnetCount { // checked by gossip; bounds the slice above
		return reject(errf(ErrMalformed, "subcommittee %d", m.Message.Contribution.SubcommitteeIndex))
	}
	return c.ValidateContributionAndProof(ctx, &m)
}
