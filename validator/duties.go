package validator

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// Constants of the honest validator guides (phase0, altair).
const (
	// TargetAggregatorsPerCommittee is TARGET_AGGREGATORS_PER_COMMITTEE.
	TargetAggregatorsPerCommittee = 16
	// TargetAggregatorsPerSyncSubcommittee is TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE.
	TargetAggregatorsPerSyncSubcommittee = 16
)

// ProposerDuty says that a validator proposes the block of a slot.
type ProposerDuty struct {
	Pubkey         primitives.BLSPubkey
	ValidatorIndex primitives.ValidatorIndex
	Slot           primitives.Slot
}

// AttesterDuty is a validator's committee assignment in an epoch (get_committee_assignment), with what the
// attester and a possible aggregator need: the committee's size, the validator's position in it, and the number of
// committees at the slot (for the attestation subnet).
type AttesterDuty struct {
	Pubkey                  primitives.BLSPubkey
	ValidatorIndex          primitives.ValidatorIndex
	Slot                    primitives.Slot
	CommitteeIndex          primitives.CommitteeIndex
	CommitteeLength         uint64
	CommitteesAtSlot        uint64
	ValidatorCommitteeIndex uint64 // position in the committee: the aggregation bit it sets
}

// SyncCommitteeDuty says that a validator is in the sync committee of a period, at these positions (a validator
// may hold several).
type SyncCommitteeDuty struct {
	Pubkey         primitives.BLSPubkey
	ValidatorIndex primitives.ValidatorIndex
	// Positions are the validator's indices in the sync committee; position / SYNC_SUBCOMMITTEE_SIZE is the
	// subcommittee (and subnet), position % SYNC_SUBCOMMITTEE_SIZE its bit in a contribution.
	Positions []uint64
}

// Subcommittees are the distinct subcommittee indices of the duty's positions, in order.
func (d SyncCommitteeDuty) Subcommittees() []uint64 {
	var out []uint64
	for _, p := range d.Positions {
		sub := p / types.SyncSubcommitteeSize
		if len(out) == 0 || out[len(out)-1] != sub {
			out = append(out, sub)
		}
	}
	return out
}

// GetCommitteeAssignment is the spec's get_committee_assignment: the committee, committee index and slot of
// validatorIndex in epoch, which may be at most the state's next epoch; ok is false when it has none.
func GetCommitteeAssignment(env *helpers.Env, state *types.BeaconState, epoch primitives.Epoch, validatorIndex primitives.ValidatorIndex) (committee []primitives.ValidatorIndex, index primitives.CommitteeIndex, slot primitives.Slot, ok bool, err error) {
	if next := helpers.GetCurrentEpoch(state) + 1; epoch > next {
		return nil, 0, 0, false, fmt.Errorf("get_committee_assignment: %w: epoch %d is after the state's next epoch %d",
			ErrDutiesUnknown, epoch, next)
	}
	start := helpers.ComputeStartSlotAtEpoch(epoch)
	count := helpers.GetCommitteeCountPerSlot(env, state, epoch)
	for s := start; s < start+params.SlotsPerEpoch; s++ {
		for i := range count {
			members, err := helpers.GetBeaconCommittee(env, state, s, primitives.CommitteeIndex(i))
			if err != nil {
				return nil, 0, 0, false, fmt.Errorf("get_committee_assignment: %w", err)
			}
			for _, m := range members {
				if m == validatorIndex {
					return members, primitives.CommitteeIndex(i), s, true, nil
				}
			}
		}
	}
	return nil, 0, 0, false, nil
}

// GetAttesterDuties returns the committee assignments in epoch (at most the state's next) of the validators with
// the given indices, in slot and committee order: all of them from one pass over the epoch's committees.
func GetAttesterDuties(env *helpers.Env, state *types.BeaconState, epoch primitives.Epoch, indices []primitives.ValidatorIndex) ([]AttesterDuty, error) {
	if next := helpers.GetCurrentEpoch(state) + 1; epoch > next {
		return nil, fmt.Errorf("attester duties: %w: epoch %d is after the state's next epoch %d", ErrDutiesUnknown, epoch, next)
	}
	wanted := make(map[primitives.ValidatorIndex]bool, len(indices))
	for _, i := range indices {
		wanted[i] = true
	}
	var duties []AttesterDuty
	start := helpers.ComputeStartSlotAtEpoch(epoch)
	count := helpers.GetCommitteeCountPerSlot(env, state, epoch)
	for s := start; s < start+params.SlotsPerEpoch; s++ {
		for c := range count {
			committee, err := helpers.GetBeaconCommittee(env, state, s, primitives.CommitteeIndex(c))
			if err != nil {
				return nil, fmt.Errorf("attester duties: %w", err)
			}
			for position, member := range committee {
				if !wanted[member] {
					continue
				}
				duties = append(duties, AttesterDuty{
					Pubkey: state.Validators[member].Pubkey, ValidatorIndex: member, Slot: s,
					CommitteeIndex: primitives.CommitteeIndex(c), CommitteeLength: uint64(len(committee)),
					CommitteesAtSlot: count, ValidatorCommitteeIndex: uint64(position),
				})
			}
		}
	}
	return duties, nil
}

// GetProposerDuties returns the proposers of every slot of epoch, the state's current or next epoch: Fulu's
// proposer_lookahead fixes both (EIP-7917).
func GetProposerDuties(state *types.BeaconState, epoch primitives.Epoch) ([]ProposerDuty, error) {
	current := helpers.GetCurrentEpoch(state)
	if epoch < current || epoch > current+params.MinSeedLookahead {
		return nil, fmt.Errorf("proposer duties: %w: epoch %d, the state's lookahead covers %d to %d",
			ErrDutiesUnknown, epoch, current, current+params.MinSeedLookahead)
	}
	offset := uint64(epoch-current) * params.SlotsPerEpoch
	duties := make([]ProposerDuty, params.SlotsPerEpoch)
	start := helpers.ComputeStartSlotAtEpoch(epoch)
	for i := range duties {
		index := state.ProposerLookahead[offset+uint64(i)]
		if uint64(index) >= uint64(len(state.Validators)) {
			return nil, fmt.Errorf("proposer duties: %w: proposer %d of slot %d is not in the registry",
				helpers.ErrIndexOutOfRange, index, start+primitives.Slot(i))
		}
		duties[i] = ProposerDuty{Pubkey: state.Validators[index].Pubkey, ValidatorIndex: index, Slot: start + primitives.Slot(i)}
	}
	return duties, nil
}

// ComputeSyncCommitteePeriod is the spec's compute_sync_committee_period.
func ComputeSyncCommitteePeriod(epoch primitives.Epoch) uint64 {
	return uint64(epoch) / params.EpochsPerSyncCommitteePeriod
}

// GetSyncCommitteeDuties returns the sync committee positions of the validators with the given indices in the
// committee of epoch's period, which must be the state's current or next period (is_assigned_to_sync_committee
// for all of them at once).
func GetSyncCommitteeDuties(state *types.BeaconState, epoch primitives.Epoch, indices []primitives.ValidatorIndex) ([]SyncCommitteeDuty, error) {
	committee, err := syncCommitteeOf(state, epoch)
	if err != nil {
		return nil, fmt.Errorf("sync committee duties: %w", err)
	}
	positions := make(map[primitives.BLSPubkey][]uint64)
	for i, pk := range committee.Pubkeys {
		positions[pk] = append(positions[pk], uint64(i))
	}
	var duties []SyncCommitteeDuty
	for _, index := range indices {
		if uint64(index) >= uint64(len(state.Validators)) {
			return nil, fmt.Errorf("sync committee duties: %w: validator %d", helpers.ErrIndexOutOfRange, index)
		}
		pk := state.Validators[index].Pubkey
		if p, ok := positions[pk]; ok {
			duties = append(duties, SyncCommitteeDuty{Pubkey: pk, ValidatorIndex: index, Positions: p})
		}
	}
	return duties, nil
}

// IsAssignedToSyncCommittee is the spec's is_assigned_to_sync_committee.
func IsAssignedToSyncCommittee(state *types.BeaconState, epoch primitives.Epoch, validatorIndex primitives.ValidatorIndex) (bool, error) {
	duties, err := GetSyncCommitteeDuties(state, epoch, []primitives.ValidatorIndex{validatorIndex})
	return len(duties) == 1, err
}

func syncCommitteeOf(state *types.BeaconState, epoch primitives.Epoch) (*types.SyncCommittee, error) {
	period := ComputeSyncCommitteePeriod(epoch)
	current := ComputeSyncCommitteePeriod(helpers.GetCurrentEpoch(state))
	switch period {
	case current:
		return state.CurrentSyncCommittee, nil
	case current + 1:
		return state.NextSyncCommittee, nil
	}
	return nil, fmt.Errorf("%w: sync committee period %d, the state knows %d and %d", ErrDutiesUnknown, period, current, current+1)
}

// ComputeSubnetsForSyncCommittee is the spec's compute_subnets_for_sync_committee: the sync subnets of
// validatorIndex for the committee in force at the state's next slot.
func ComputeSubnetsForSyncCommittee(state *types.BeaconState, validatorIndex primitives.ValidatorIndex) ([]uint64, error) {
	epoch := helpers.ComputeEpochAtSlot(state.Slot + 1)
	duties, err := GetSyncCommitteeDuties(state, epoch, []primitives.ValidatorIndex{validatorIndex})
	if err != nil || len(duties) == 0 {
		return nil, err
	}
	return duties[0].Subcommittees(), nil
}

// ComputeSubnetForAttestation is the spec's compute_subnet_for_attestation.
func ComputeSubnetForAttestation(committeesPerSlot uint64, slot primitives.Slot, committeeIndex primitives.CommitteeIndex) uint64 {
	slotsSinceEpochStart := uint64(slot) % params.SlotsPerEpoch
	committeesSinceEpochStart := committeesPerSlot * slotsSinceEpochStart
	return (committeesSinceEpochStart + uint64(committeeIndex)) % types.AttestationSubnetCount
}
