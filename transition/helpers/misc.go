package helpers

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// Participation flag indices and weights (altair "Participation flag indices", "Incentivization weights").
const (
	TimelySourceFlagIndex = 0
	TimelyTargetFlagIndex = 1
	TimelyHeadFlagIndex   = 2
	// ParticipationFlagCount is len(PARTICIPATION_FLAG_WEIGHTS).
	ParticipationFlagCount = 3

	TimelySourceWeight = 14
	TimelyTargetWeight = 26
	TimelyHeadWeight   = 14
	SyncRewardWeight   = 2
	ProposerWeight     = 8
	WeightDenominator  = 64
)

// ParticipationFlagWeight is PARTICIPATION_FLAG_WEIGHTS[flagIndex]; flagIndex < ParticipationFlagCount.
func ParticipationFlagWeight(flagIndex int) uint64 {
	switch flagIndex {
	case TimelySourceFlagIndex:
		return TimelySourceWeight
	case TimelyTargetFlagIndex:
		return TimelyTargetWeight
	case TimelyHeadFlagIndex:
		return TimelyHeadWeight
	}
	return 0
}

// Withdrawal credential prefixes (phase0, capella, electra).
const (
	BLSWithdrawalPrefix         = 0x00
	ETH1AddressWithdrawalPrefix = 0x01
	CompoundingWithdrawalPrefix = 0x02
)

// UnsetDepositRequestsStartIndex is the spec's UNSET_DEPOSIT_REQUESTS_START_INDEX.
const UnsetDepositRequestsStartIndex uint64 = 1<<64 - 1

// maxRandomValue is electra's MAX_RANDOM_VALUE of proposer and sync committee sampling.
const maxRandomValue = 1<<16 - 1

// G2PointAtInfinity is bls.G2_POINT_AT_INFINITY, the placeholder signature of queued excess balances.
func G2PointAtInfinity() primitives.BLSSignature {
	return primitives.BLSSignature{0: 0xc0}
}

// AddFlag is the spec's add_flag.
func AddFlag(flags primitives.ParticipationFlag, flagIndex int) primitives.ParticipationFlag {
	return flags | 1<<flagIndex
}

// HasFlag is the spec's has_flag.
func HasFlag(flags primitives.ParticipationFlag, flagIndex int) bool {
	flag := primitives.ParticipationFlag(1 << flagIndex)
	return flags&flag == flag
}

// ComputeEpochAtSlot is the spec's compute_epoch_at_slot.
func ComputeEpochAtSlot(slot primitives.Slot) primitives.Epoch {
	return primitives.Epoch(slot / params.SlotsPerEpoch)
}

// ComputeStartSlotAtEpoch is the spec's compute_start_slot_at_epoch. Epochs of a state's range never overflow.
func ComputeStartSlotAtEpoch(epoch primitives.Epoch) primitives.Slot {
	return primitives.Slot(epoch * params.SlotsPerEpoch)
}

// ComputeActivationExitEpoch is the spec's compute_activation_exit_epoch.
func ComputeActivationExitEpoch(epoch primitives.Epoch) primitives.Epoch {
	return epoch + 1 + params.MaxSeedLookahead
}

// ComputeTimeAtSlot is the spec's compute_time_at_slot, with the overflow the spec leaves unchecked reported.
func ComputeTimeAtSlot(env *Env, state *types.BeaconState, slot primitives.Slot) (uint64, error) {
	sinceGenesis, err := safeMul(uint64(slot-params.GenesisSlot), env.Spec.SecondsPerSlot)
	if err != nil {
		return 0, fmt.Errorf("compute_time_at_slot %d: %w", slot, err)
	}
	t, err := safeAdd(state.GenesisTime, sinceGenesis)
	if err != nil {
		return 0, fmt.Errorf("compute_time_at_slot %d: %w", slot, err)
	}
	return t, nil
}

// ComputeCommittee is the spec's compute_committee, shuffling each member's index on its own. GetBeaconCommittee
// reads the same committee from a whole-list shuffle instead.
func ComputeCommittee(indices []primitives.ValidatorIndex, seed primitives.Bytes32, index, count uint64) ([]primitives.ValidatorIndex, error) {
	start, end, err := committeeBounds(uint64(len(indices)), index, count)
	if err != nil {
		return nil, fmt.Errorf("compute_committee: %w", err)
	}
	s := newShuffler(seed, uint64(len(indices)))
	committee := make([]primitives.ValidatorIndex, 0, end-start)
	for i := start; i < end; i++ {
		committee = append(committee, indices[s.shuffledIndex(i)])
	}
	return committee, nil
}

// committeeBounds returns compute_committee's slice [start, end) of a shuffled list of n indices, or an error
// where the spec's shuffle would be asked for an index beyond the list.
func committeeBounds(n, index, count uint64) (start, end uint64, err error) {
	if count == 0 {
		return 0, 0, fmt.Errorf("%w: committee count 0", ErrAssertion)
	}
	startNum, err1 := safeMul(n, index)
	endNum, err2 := safeMul(n, index+1)
	if err1 != nil || err2 != nil || index+1 == 0 {
		return 0, 0, fmt.Errorf("committee %d of %d over %d indices: %w", index, count, n, ErrOverflow)
	}
	start, end = startNum/count, endNum/count
	if end > n && start < end {
		return 0, 0, fmt.Errorf("%w: committee %d of %d over %d indices", ErrIndexOutOfRange, index, count, n)
	}
	return start, end, nil
}

// ComputeProposerIndex is the spec's compute_proposer_index (electra): a candidate from indices, sampled by
// effective balance with 16-bit random values.
func ComputeProposerIndex(state *types.BeaconState, indices []primitives.ValidatorIndex, seed primitives.Bytes32) (primitives.ValidatorIndex, error) {
	if len(indices) == 0 {
		return 0, fmt.Errorf("compute_proposer_index: %w", ErrNoActiveValidators)
	}
	total := uint64(len(indices))
	s := newShuffler(seed, total)
	var buf [32 + 8]byte
	copy(buf[:32], seed[:])
	var randomBytes [32]byte
	for i := uint64(0); ; i++ {
		candidate := indices[s.shuffledIndex(i%total)]
		if i%16 == 0 {
			binary.LittleEndian.PutUint64(buf[32:], i/16)
			randomBytes = sha256.Sum256(buf[:])
		}
		offset := i % 16 * 2
		randomValue := uint64(binary.LittleEndian.Uint16(randomBytes[offset : offset+2]))
		v, err := validatorAt(state, candidate)
		if err != nil {
			return 0, fmt.Errorf("compute_proposer_index: %w", err)
		}
		accepted, err := acceptedByBalance(v.EffectiveBalance, randomValue)
		if err != nil {
			return 0, fmt.Errorf("compute_proposer_index: validator %d: %w", candidate, err)
		}
		if accepted {
			return candidate, nil
		}
	}
}

// acceptedByBalance is electra's sampling test effective_balance * MAX_RANDOM_VALUE >= MAX_EFFECTIVE_BALANCE_ELECTRA
// * random_value. Only the left side can overflow (MAX_EFFECTIVE_BALANCE_ELECTRA * 65535 < 2^64), as the spec's
// uint64 would, for a balance no chain reaches.
func acceptedByBalance(effectiveBalance primitives.Gwei, randomValue uint64) (bool, error) {
	lhs, err := safeMul(uint64(effectiveBalance), maxRandomValue)
	if err != nil {
		return false, err
	}
	return lhs >= params.MaxEffectiveBalanceElectra*randomValue, nil
}

// ComputeProposerIndices is the spec's compute_proposer_indices (fulu): the proposer of each slot of epoch. The
// slots are sampled independently, so they are spread over the available cores.
func ComputeProposerIndices(state *types.BeaconState, epoch primitives.Epoch, seed primitives.Bytes32, indices []primitives.ValidatorIndex) ([params.SlotsPerEpoch]primitives.ValidatorIndex, error) {
	var proposers [params.SlotsPerEpoch]primitives.ValidatorIndex
	var errs [params.SlotsPerEpoch]error
	start := ComputeStartSlotAtEpoch(epoch)
	sample := func(i int) {
		defer func() {
			if r := recover(); r != nil {
				errs[i] = fmt.Errorf("compute_proposer_indices: slot %d: %w: panic: %v", i, ErrAssertion, r)
			}
		}()
		var buf [32 + 8]byte
		copy(buf[:32], seed[:])
		binary.LittleEndian.PutUint64(buf[32:], uint64(start)+uint64(i))
		proposers[i], errs[i] = ComputeProposerIndex(state, indices, sha256.Sum256(buf[:]))
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(proposers)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(proposers); i = int(next.Add(1) - 1) {
				sample(i)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return proposers, err
		}
	}
	return proposers, nil
}

// GetCommitteeIndices is the spec's get_committee_indices: the committees whose bits are set, in order.
func GetCommitteeIndices(committeeBits [types.CommitteeBitsBytes]byte) []primitives.CommitteeIndex {
	var indices []primitives.CommitteeIndex
	for i := range uint64(params.MaxCommitteesPerSlot) {
		if committeeBits[i/8]>>(i%8)&1 == 1 {
			indices = append(indices, primitives.CommitteeIndex(i))
		}
	}
	return indices
}

// GetMaxEffectiveBalance is the spec's get_max_effective_balance (electra).
func GetMaxEffectiveBalance(validator *types.Validator) primitives.Gwei {
	if HasCompoundingWithdrawalCredential(validator) {
		return params.MaxEffectiveBalanceElectra
	}
	return params.MinActivationBalance
}
