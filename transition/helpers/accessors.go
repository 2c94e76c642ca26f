package helpers

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// GetValidator returns state.validators[index], or an error wrapping ErrIndexOutOfRange.
func GetValidator(state *types.BeaconState, index primitives.ValidatorIndex) (*types.Validator, error) {
	return validatorAt(state, index)
}

func validatorAt(state *types.BeaconState, index primitives.ValidatorIndex) (*types.Validator, error) {
	if uint64(index) >= uint64(len(state.Validators)) {
		return nil, fmt.Errorf("validator %d: %w: %d validators", index, ErrIndexOutOfRange, len(state.Validators))
	}
	return state.Validators[index], nil
}

// GetCurrentEpoch is the spec's get_current_epoch.
func GetCurrentEpoch(state *types.BeaconState) primitives.Epoch {
	return ComputeEpochAtSlot(state.Slot)
}

// GetPreviousEpoch is the spec's get_previous_epoch: the current epoch minus one, but never before genesis.
func GetPreviousEpoch(state *types.BeaconState) primitives.Epoch {
	current := GetCurrentEpoch(state)
	if current == params.GenesisEpoch {
		return params.GenesisEpoch
	}
	return current - 1
}

// GetBlockRoot is the spec's get_block_root: the block root at the start of a recent epoch.
func GetBlockRoot(state *types.BeaconState, epoch primitives.Epoch) (primitives.Root, error) {
	return GetBlockRootAtSlot(state, ComputeStartSlotAtEpoch(epoch))
}

// GetBlockRootAtSlot is the spec's get_block_root_at_slot: slot must be one of the last SLOTS_PER_HISTORICAL_ROOT
// slots before the state's.
func GetBlockRootAtSlot(state *types.BeaconState, slot primitives.Slot) (primitives.Root, error) {
	if !(slot < state.Slot && uint64(state.Slot) <= uint64(slot)+params.SlotsPerHistoricalRoot) {
		return primitives.Root{}, fmt.Errorf("get_block_root_at_slot %d: %w: state at slot %d", slot, ErrInvalidSlot, state.Slot)
	}
	return state.BlockRoots[uint64(slot)%params.SlotsPerHistoricalRoot], nil
}

// GetRandaoMix is the spec's get_randao_mix.
func GetRandaoMix(state *types.BeaconState, epoch primitives.Epoch) primitives.Bytes32 {
	return state.RandaoMixes[uint64(epoch)%params.EpochsPerHistoricalVector]
}

// GetActiveValidatorIndices is the spec's get_active_validator_indices, in increasing order. The result may be
// shared with the caches: do not modify it.
func GetActiveValidatorIndices(env *Env, state *types.BeaconState, epoch primitives.Epoch) []primitives.ValidatorIndex {
	return env.shufflingFor(state, epoch).ActiveIndices
}

// computeActiveValidatorIndices is get_active_validator_indices without caches.
func computeActiveValidatorIndices(state *types.BeaconState, epoch primitives.Epoch) []primitives.ValidatorIndex {
	indices := make([]primitives.ValidatorIndex, 0, len(state.Validators))
	for i, v := range state.Validators {
		if IsActiveValidator(v, epoch) {
			indices = append(indices, primitives.ValidatorIndex(i))
		}
	}
	return indices
}

// GetValidatorChurnLimit is the spec's get_validator_churn_limit (phase0): a validator count.
func GetValidatorChurnLimit(env *Env, state *types.BeaconState) uint64 {
	active := uint64(len(GetActiveValidatorIndices(env, state, GetCurrentEpoch(state))))
	return max(env.Spec.MinPerEpochChurnLimit, active/env.Spec.ChurnLimitQuotient)
}

// GetBalanceChurnLimit is the spec's get_balance_churn_limit (electra).
func GetBalanceChurnLimit(env *Env, state *types.BeaconState) (primitives.Gwei, error) {
	total, err := GetTotalActiveBalance(env, state)
	if err != nil {
		return 0, err
	}
	churn := max(env.Spec.MinPerEpochChurnLimitElectra, total/primitives.Gwei(env.Spec.ChurnLimitQuotient))
	return churn - churn%params.EffectiveBalanceIncrement, nil
}

// GetActivationExitChurnLimit is the spec's get_activation_exit_churn_limit (electra).
func GetActivationExitChurnLimit(env *Env, state *types.BeaconState) (primitives.Gwei, error) {
	churn, err := GetBalanceChurnLimit(env, state)
	if err != nil {
		return 0, err
	}
	return min(env.Spec.MaxPerEpochActivationExitChurnLimit, churn), nil
}

// GetConsolidationChurnLimit is the spec's get_consolidation_churn_limit (electra).
func GetConsolidationChurnLimit(env *Env, state *types.BeaconState) (primitives.Gwei, error) {
	balanceChurn, err := GetBalanceChurnLimit(env, state)
	if err != nil {
		return 0, err
	}
	return balanceChurn - min(env.Spec.MaxPerEpochActivationExitChurnLimit, balanceChurn), nil
}

// GetSeed is the spec's get_seed.
func GetSeed(state *types.BeaconState, epoch primitives.Epoch, domainType primitives.DomainType) primitives.Bytes32 {
	// epoch + EPOCHS_PER_HISTORICAL_VECTOR - MIN_SEED_LOOKAHEAD - 1, modulo the vector length, without underflow.
	mix := GetRandaoMix(state, epoch+params.EpochsPerHistoricalVector-params.MinSeedLookahead-1)
	var buf [4 + 8 + 32]byte
	copy(buf[:4], domainType[:])
	binary.LittleEndian.PutUint64(buf[4:12], uint64(epoch))
	copy(buf[12:], mix[:])
	return sha256.Sum256(buf[:])
}

// GetCommitteeCountPerSlot is the spec's get_committee_count_per_slot.
func GetCommitteeCountPerSlot(env *Env, state *types.BeaconState, epoch primitives.Epoch) uint64 {
	return committeeCountPerSlot(uint64(len(GetActiveValidatorIndices(env, state, epoch))))
}

func committeeCountPerSlot(activeCount uint64) uint64 {
	return max(1, min(params.MaxCommitteesPerSlot, activeCount/params.SlotsPerEpoch/params.TargetCommitteeSize))
}

// GetBeaconCommittee is the spec's get_beacon_committee, read from the epoch's whole-list shuffle. index must be
// below the slot's committee count (process_attestation checks it first), else the error wraps
// ErrIndexOutOfRange. The committee is shared with the caches: do not modify it.
func GetBeaconCommittee(env *Env, state *types.BeaconState, slot primitives.Slot, index primitives.CommitteeIndex) ([]primitives.ValidatorIndex, error) {
	epoch := ComputeEpochAtSlot(slot)
	sh := env.shufflingFor(state, epoch)
	committee, err := sh.Committee(slot, index)
	if err != nil {
		return nil, fmt.Errorf("get_beacon_committee: %w", err)
	}
	return committee, nil
}

// GetBeaconProposerIndex is the spec's get_beacon_proposer_index (fulu): read from the state's proposer lookahead.
func GetBeaconProposerIndex(state *types.BeaconState) primitives.ValidatorIndex {
	return state.ProposerLookahead[uint64(state.Slot)%params.SlotsPerEpoch]
}

// GetBeaconProposerIndices is the spec's get_beacon_proposer_indices (fulu): the proposers of every slot of epoch,
// sampled by the state's current effective balances.
func GetBeaconProposerIndices(env *Env, state *types.BeaconState, epoch primitives.Epoch) ([params.SlotsPerEpoch]primitives.ValidatorIndex, error) {
	indices := GetActiveValidatorIndices(env, state, epoch)
	seed := GetSeed(state, epoch, params.DomainBeaconProposer)
	proposers, err := ComputeProposerIndices(state, epoch, seed, indices)
	if err != nil {
		return proposers, fmt.Errorf("get_beacon_proposer_indices %d: %w", epoch, err)
	}
	return proposers, nil
}

// GetTotalBalance is the spec's get_total_balance: the indices' effective balances summed, at least
// EFFECTIVE_BALANCE_INCREMENT. indices must not repeat (the spec's is a set).
func GetTotalBalance(state *types.BeaconState, indices []primitives.ValidatorIndex) (primitives.Gwei, error) {
	var total primitives.Gwei
	for _, index := range indices {
		v, err := validatorAt(state, index)
		if err != nil {
			return 0, fmt.Errorf("get_total_balance: %w", err)
		}
		if total, err = safeAdd(total, v.EffectiveBalance); err != nil {
			return 0, fmt.Errorf("get_total_balance: %w", err)
		}
	}
	return max(params.EffectiveBalanceIncrement, total), nil
}

// GetTotalActiveBalance is the spec's get_total_active_balance.
func GetTotalActiveBalance(env *Env, state *types.BeaconState) (primitives.Gwei, error) {
	return env.totalActiveBalance(state)
}

// GetDomain is the spec's get_domain at epoch (pass GetCurrentEpoch(state) for the spec's default).
func GetDomain(state *types.BeaconState, domainType primitives.DomainType, epoch primitives.Epoch) primitives.Domain {
	forkVersion := state.Fork.CurrentVersion
	if epoch < state.Fork.Epoch {
		forkVersion = state.Fork.PreviousVersion
	}
	return params.ComputeDomain(domainType, forkVersion, state.GenesisValidatorsRoot)
}

// GetIndexedAttestation is the spec's get_indexed_attestation.
func GetIndexedAttestation(env *Env, state *types.BeaconState, attestation *types.Attestation) (*types.IndexedAttestation, error) {
	indices, err := GetAttestingIndices(env, state, attestation)
	if err != nil {
		return nil, err
	}
	return &types.IndexedAttestation{AttestingIndices: indices, Data: attestation.Data, Signature: attestation.Signature}, nil
}

// GetAttestingIndices is the spec's get_attesting_indices (electra): the members of the attestation's committees
// whose aggregation bits are set, sorted (the spec's set, in get_indexed_attestation's order). Aggregation bits
// shorter than the committees are an error, as the spec's out-of-range read is; process_attestation checks the
// exact length itself.
func GetAttestingIndices(env *Env, state *types.BeaconState, attestation *types.Attestation) ([]primitives.ValidatorIndex, error) {
	bits := attestation.AggregationBits
	var output []primitives.ValidatorIndex
	offset := uint64(0)
	for _, committeeIndex := range GetCommitteeIndices(attestation.CommitteeBits) {
		committee, err := GetBeaconCommittee(env, state, attestation.Data.Slot, committeeIndex)
		if err != nil {
			return nil, fmt.Errorf("get_attesting_indices: %w", err)
		}
		if offset+uint64(len(committee)) > bits.Len() {
			return nil, fmt.Errorf("get_attesting_indices: %w: %d aggregation bits, committees need %d or more",
				ErrInvalidAttestation, bits.Len(), offset+uint64(len(committee)))
		}
		for i, index := range committee {
			if bits.BitAt(offset + uint64(i)) {
				output = append(output, index)
			}
		}
		offset += uint64(len(committee))
	}
	slices.Sort(output)
	return slices.Compact(output), nil
}

// GetNextSyncCommitteeIndices is the spec's get_next_sync_committee_indices (electra): SYNC_COMMITTEE_SIZE indices,
// possibly repeated, sampled by effective balance. The candidates are read from one whole-list shuffle, which
// agrees with compute_shuffled_index for every position.
func GetNextSyncCommitteeIndices(env *Env, state *types.BeaconState) ([params.SyncCommitteeSize]primitives.ValidatorIndex, error) {
	var result [params.SyncCommitteeSize]primitives.ValidatorIndex
	epoch := GetCurrentEpoch(state) + 1
	active := GetActiveValidatorIndices(env, state, epoch)
	if len(active) == 0 {
		return result, fmt.Errorf("get_next_sync_committee_indices: %w", ErrNoActiveValidators)
	}
	count := uint64(len(active))
	seed := GetSeed(state, epoch, params.DomainSyncCommittee)
	shuffled := ShuffleList(active, seed)
	var buf [32 + 8]byte
	copy(buf[:32], seed[:])
	var randomBytes [32]byte
	selected := 0
	for i := uint64(0); selected < len(result); i++ {
		candidate := shuffled[i%count]
		if i%16 == 0 {
			binary.LittleEndian.PutUint64(buf[32:], i/16)
			randomBytes = sha256.Sum256(buf[:])
		}
		offset := i % 16 * 2
		randomValue := uint64(binary.LittleEndian.Uint16(randomBytes[offset : offset+2]))
		v, err := validatorAt(state, candidate)
		if err != nil {
			return result, fmt.Errorf("get_next_sync_committee_indices: %w", err)
		}
		accepted, err := acceptedByBalance(v.EffectiveBalance, randomValue)
		if err != nil {
			return result, fmt.Errorf("get_next_sync_committee_indices: validator %d: %w", candidate, err)
		}
		if accepted {
			result[selected] = candidate
			selected++
		}
	}
	return result, nil
}

// GetNextSyncCommittee is the spec's get_next_sync_committee.
func GetNextSyncCommittee(env *Env, state *types.BeaconState) (*types.SyncCommittee, error) {
	indices, err := GetNextSyncCommitteeIndices(env, state)
	if err != nil {
		return nil, err
	}
	committee := new(types.SyncCommittee)
	for i, index := range indices {
		committee.Pubkeys[i] = state.Validators[index].Pubkey
	}
	aggregate, err := aggregatePublicKey(env, state, indices[:])
	if err != nil {
		return nil, fmt.Errorf("get_next_sync_committee: %w", err)
	}
	committee.AggregatePubkey = aggregate.Bytes()
	return committee, nil
}

// GetBaseRewardPerIncrement is the spec's get_base_reward_per_increment.
func GetBaseRewardPerIncrement(env *Env, state *types.BeaconState) (primitives.Gwei, error) {
	total, err := GetTotalActiveBalance(env, state)
	if err != nil {
		return 0, err
	}
	return BaseRewardPerIncrement(total), nil
}

// BaseRewardPerIncrement is get_base_reward_per_increment for a given total active balance (at least
// EFFECTIVE_BALANCE_INCREMENT, so never a division by zero).
func BaseRewardPerIncrement(totalActiveBalance primitives.Gwei) primitives.Gwei {
	return primitives.Gwei(params.EffectiveBalanceIncrement * params.BaseRewardFactor / IntegerSquareroot(uint64(totalActiveBalance)))
}

// GetBaseReward is the spec's get_base_reward (altair).
func GetBaseReward(env *Env, state *types.BeaconState, index primitives.ValidatorIndex) (primitives.Gwei, error) {
	v, err := validatorAt(state, index)
	if err != nil {
		return 0, fmt.Errorf("get_base_reward: %w", err)
	}
	perIncrement, err := GetBaseRewardPerIncrement(env, state)
	if err != nil {
		return 0, err
	}
	return BaseReward(v.EffectiveBalance, perIncrement)
}

// BaseReward is get_base_reward for an effective balance and a base reward per increment.
func BaseReward(effectiveBalance, perIncrement primitives.Gwei) (primitives.Gwei, error) {
	reward, err := safeMul(effectiveBalance/params.EffectiveBalanceIncrement, perIncrement)
	if err != nil {
		return 0, fmt.Errorf("get_base_reward: %w", err)
	}
	return reward, nil
}

// GetUnslashedParticipatingIndices is the spec's get_unslashed_participating_indices, in increasing order. epoch
// must be the previous or the current epoch.
func GetUnslashedParticipatingIndices(env *Env, state *types.BeaconState, flagIndex int, epoch primitives.Epoch) ([]primitives.ValidatorIndex, error) {
	var participation []primitives.ParticipationFlag
	switch epoch {
	case GetCurrentEpoch(state):
		participation = state.CurrentEpochParticipation
	case GetPreviousEpoch(state):
		participation = state.PreviousEpochParticipation
	default:
		return nil, fmt.Errorf("get_unslashed_participating_indices: %w: epoch %d is neither previous nor current", ErrAssertion, epoch)
	}
	var indices []primitives.ValidatorIndex
	for _, index := range GetActiveValidatorIndices(env, state, epoch) {
		if uint64(index) >= uint64(len(participation)) {
			return nil, fmt.Errorf("get_unslashed_participating_indices: participation of validator %d: %w", index, ErrIndexOutOfRange)
		}
		if HasFlag(participation[index], flagIndex) && !state.Validators[index].Slashed {
			indices = append(indices, index)
		}
	}
	return indices, nil
}

// GetAttestationParticipationFlagIndices is the spec's get_attestation_participation_flag_indices (deneb): the
// flags an attestation with data, included inclusionDelay slots after its slot, earns.
func GetAttestationParticipationFlagIndices(state *types.BeaconState, data *types.AttestationData, inclusionDelay uint64) ([]int, error) {
	justified := state.PreviousJustifiedCheckpoint
	if data.Target.Epoch == GetCurrentEpoch(state) {
		justified = state.CurrentJustifiedCheckpoint
	}
	isMatchingSource := *data.Source == *justified

	targetRoot, err := GetBlockRoot(state, data.Target.Epoch)
	if err != nil {
		return nil, fmt.Errorf("get_attestation_participation_flag_indices: %w", err)
	}
	isMatchingTarget := isMatchingSource && data.Target.Root == targetRoot

	headRoot, err := GetBlockRootAtSlot(state, data.Slot)
	if err != nil {
		return nil, fmt.Errorf("get_attestation_participation_flag_indices: %w", err)
	}
	isMatchingHead := isMatchingTarget && data.BeaconBlockRoot == headRoot

	if !isMatchingSource {
		return nil, fmt.Errorf("get_attestation_participation_flag_indices: %w: source %d/%#x is not the justified checkpoint",
			ErrAssertion, data.Source.Epoch, data.Source.Root)
	}
	var flags []int
	if inclusionDelay <= IntegerSquareroot(params.SlotsPerEpoch) {
		flags = append(flags, TimelySourceFlagIndex)
	}
	if isMatchingTarget {
		flags = append(flags, TimelyTargetFlagIndex)
	}
	if isMatchingHead && inclusionDelay == params.MinAttestationInclusionDelay {
		flags = append(flags, TimelyHeadFlagIndex)
	}
	return flags, nil
}

// IsEligibleValidator is the test of get_eligible_validator_indices: active in the previous epoch, or slashed and
// not yet withdrawable.
func IsEligibleValidator(validator *types.Validator, previousEpoch primitives.Epoch) bool {
	return IsActiveValidator(validator, previousEpoch) || (validator.Slashed && previousEpoch+1 < validator.WithdrawableEpoch)
}

// GetEligibleValidatorIndices is the spec's get_eligible_validator_indices.
func GetEligibleValidatorIndices(state *types.BeaconState) []primitives.ValidatorIndex {
	previousEpoch := GetPreviousEpoch(state)
	var indices []primitives.ValidatorIndex
	for i, v := range state.Validators {
		if IsEligibleValidator(v, previousEpoch) {
			indices = append(indices, primitives.ValidatorIndex(i))
		}
	}
	return indices
}

// FlagIndexReward is get_flag_index_deltas' reward of a participating validator outside an inactivity leak.
func FlagIndexReward(baseReward primitives.Gwei, flagIndex int, participatingIncrements, activeIncrements uint64) (primitives.Gwei, error) {
	numerator, err := safeMul(uint64(baseReward), ParticipationFlagWeight(flagIndex))
	if err == nil {
		numerator, err = safeMul(numerator, participatingIncrements)
	}
	if err != nil {
		return 0, fmt.Errorf("get_flag_index_deltas: reward numerator: %w", err)
	}
	denominator, err := safeMul(activeIncrements, WeightDenominator)
	if err != nil {
		return 0, fmt.Errorf("get_flag_index_deltas: reward denominator: %w", err)
	}
	return primitives.Gwei(numerator / denominator), nil
}

// FlagIndexPenalty is get_flag_index_deltas' penalty of a validator missing a source or target flag.
func FlagIndexPenalty(baseReward primitives.Gwei, flagIndex int) (primitives.Gwei, error) {
	product, err := safeMul(uint64(baseReward), ParticipationFlagWeight(flagIndex))
	if err != nil {
		return 0, fmt.Errorf("get_flag_index_deltas: penalty: %w", err)
	}
	return primitives.Gwei(product / WeightDenominator), nil
}

// InactivityPenalty is get_inactivity_penalty_deltas' penalty (bellatrix quotient) of a validator that missed the
// target.
func InactivityPenalty(env *Env, effectiveBalance primitives.Gwei, inactivityScore uint64) (primitives.Gwei, error) {
	numerator, err := safeMul(uint64(effectiveBalance), inactivityScore)
	if err != nil {
		return 0, fmt.Errorf("get_inactivity_penalty_deltas: %w", err)
	}
	denominator, err := safeMul(env.Spec.InactivityScoreBias, params.InactivityPenaltyQuotientBellatrix)
	if err != nil {
		return 0, fmt.Errorf("get_inactivity_penalty_deltas: %w", err)
	}
	return primitives.Gwei(numerator / denominator), nil
}

// GetFlagIndexDeltas is the spec's get_flag_index_deltas: the rewards and penalties of one participation flag, per
// validator. Epoch processing computes all flags in one pass instead (package epoch), with the same arithmetic.
func GetFlagIndexDeltas(env *Env, state *types.BeaconState, flagIndex int) (rewards, penalties []primitives.Gwei, err error) {
	n := len(state.Validators)
	rewards, penalties = make([]primitives.Gwei, n), make([]primitives.Gwei, n)
	previousEpoch := GetPreviousEpoch(state)
	participating, err := GetUnslashedParticipatingIndices(env, state, flagIndex, previousEpoch)
	if err != nil {
		return nil, nil, err
	}
	participatingBalance, err := GetTotalBalance(state, participating)
	if err != nil {
		return nil, nil, err
	}
	participatingIncrements := uint64(participatingBalance / params.EffectiveBalanceIncrement)
	total, err := GetTotalActiveBalance(env, state)
	if err != nil {
		return nil, nil, err
	}
	activeIncrements := uint64(total / params.EffectiveBalanceIncrement)
	perIncrement := BaseRewardPerIncrement(total)
	isParticipating := make([]bool, n)
	for _, index := range participating {
		isParticipating[index] = true
	}
	for _, index := range GetEligibleValidatorIndices(state) {
		baseReward, err := BaseReward(state.Validators[index].EffectiveBalance, perIncrement)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case isParticipating[index]:
			leaking, err := IsInInactivityLeak(state)
			if err != nil {
				return nil, nil, err
			}
			if !leaking {
				if rewards[index], err = FlagIndexReward(baseReward, flagIndex, participatingIncrements, activeIncrements); err != nil {
					return nil, nil, err
				}
			}
		case flagIndex != TimelyHeadFlagIndex:
			if penalties[index], err = FlagIndexPenalty(baseReward, flagIndex); err != nil {
				return nil, nil, err
			}
		}
	}
	return rewards, penalties, nil
}

// GetInactivityPenaltyDeltas is the spec's get_inactivity_penalty_deltas (bellatrix).
func GetInactivityPenaltyDeltas(env *Env, state *types.BeaconState) (rewards, penalties []primitives.Gwei, err error) {
	n := len(state.Validators)
	rewards, penalties = make([]primitives.Gwei, n), make([]primitives.Gwei, n)
	matchingTarget, err := GetUnslashedParticipatingIndices(env, state, TimelyTargetFlagIndex, GetPreviousEpoch(state))
	if err != nil {
		return nil, nil, err
	}
	isMatching := make([]bool, n)
	for _, index := range matchingTarget {
		isMatching[index] = true
	}
	for _, index := range GetEligibleValidatorIndices(state) {
		if isMatching[index] {
			continue
		}
		if uint64(index) >= uint64(len(state.InactivityScores)) {
			return nil, nil, fmt.Errorf("get_inactivity_penalty_deltas: inactivity score %d: %w", index, ErrIndexOutOfRange)
		}
		if penalties[index], err = InactivityPenalty(env, state.Validators[index].EffectiveBalance, state.InactivityScores[index]); err != nil {
			return nil, nil, err
		}
	}
	return rewards, penalties, nil
}

// GetPendingBalanceToWithdraw is the spec's get_pending_balance_to_withdraw (electra).
func GetPendingBalanceToWithdraw(state *types.BeaconState, index primitives.ValidatorIndex) (primitives.Gwei, error) {
	var total primitives.Gwei
	for _, w := range state.PendingPartialWithdrawals {
		if w.ValidatorIndex == index {
			var err error
			if total, err = safeAdd(total, w.Amount); err != nil {
				return 0, fmt.Errorf("get_pending_balance_to_withdraw %d: %w", index, err)
			}
		}
	}
	return total, nil
}

// GetIndexForNewValidator is the spec's get_index_for_new_validator.
func GetIndexForNewValidator(state *types.BeaconState) primitives.ValidatorIndex {
	return primitives.ValidatorIndex(len(state.Validators))
}
