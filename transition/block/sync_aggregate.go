package block

import (
	"fmt"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessSyncAggregate is the spec's process_sync_aggregate (altair): the participating members of the current sync
// committee sign the previous slot's block root; each participant and the proposer are rewarded, each absent member
// penalized.
func ProcessSyncAggregate(env *helpers.Env, state *types.BeaconState, syncAggregate *types.SyncAggregate, verifier helpers.SignatureVerifier) error {
	// committee_indices: the members' validator indices, by their keys.
	var committeeIndices [params.SyncCommitteeSize]primitives.ValidatorIndex
	for i, pubkey := range state.CurrentSyncCommittee.Pubkeys {
		index, ok := helpers.ValidatorIndexByPubkey(env, state, pubkey)
		if !ok {
			return fmt.Errorf("process_sync_aggregate: %w: sync committee member %d (%#x) is no validator",
				helpers.ErrInconsistentState, i, pubkey)
		}
		committeeIndices[i] = index
	}
	participating := func(i int) bool { return syncAggregate.SyncCommitteeBits[i/8]>>(i%8)&1 == 1 }

	v := forCheck(verifier, ErrInvalidSyncAggregate)
	if !skipsSignatures(v) {
		var participantKeys []*bls.PublicKey
		for i, index := range committeeIndices {
			if !participating(i) {
				continue
			}
			key, err := helpers.ValidatorPublicKey(env, state, index)
			if err != nil {
				return fmt.Errorf("process_sync_aggregate: %w: %w", ErrInvalidSyncAggregate, err)
			}
			participantKeys = append(participantKeys, key)
		}
		previousSlot := max(state.Slot, 1) - 1
		blockRoot, err := helpers.GetBlockRootAtSlot(state, previousSlot)
		if err != nil {
			return fmt.Errorf("process_sync_aggregate: %w", err)
		}
		domain := helpers.GetDomain(state, params.DomainSyncCommittee, helpers.ComputeEpochAtSlot(previousSlot))
		signingRoot := params.ComputeSigningRoot(blockRoot, domain)
		if err := ethFastAggregateVerify(v, "sync committee signature", participantKeys, signingRoot, syncAggregate.SyncCommitteeSignature); err != nil {
			return fmt.Errorf("process_sync_aggregate: %w", err)
		}
	}

	// Compute the participant and proposer rewards.
	totalActiveBalance, err := helpers.GetTotalActiveBalance(env, state)
	if err != nil {
		return fmt.Errorf("process_sync_aggregate: %w", err)
	}
	totalActiveIncrements := uint64(totalActiveBalance) / params.EffectiveBalanceIncrement
	totalBaseRewards, err := helpers.SafeMul(uint64(helpers.BaseRewardPerIncrement(totalActiveBalance)), totalActiveIncrements)
	if err != nil {
		return fmt.Errorf("process_sync_aggregate: total base rewards: %w", err)
	}
	weighted, err := helpers.SafeMul(totalBaseRewards, helpers.SyncRewardWeight)
	if err != nil {
		return fmt.Errorf("process_sync_aggregate: max participant rewards: %w", err)
	}
	maxParticipantRewards := weighted / helpers.WeightDenominator / params.SlotsPerEpoch
	participantReward := primitives.Gwei(maxParticipantRewards / params.SyncCommitteeSize)
	proposerReward := participantReward * helpers.ProposerWeight / (helpers.WeightDenominator - helpers.ProposerWeight)

	// Apply them, in the spec's order: a member may appear more than once, and may be the proposer.
	proposer := helpers.GetBeaconProposerIndex(state)
	for i, index := range committeeIndices {
		if participating(i) {
			if err := helpers.IncreaseBalance(state, index, participantReward); err != nil {
				return fmt.Errorf("process_sync_aggregate: %w", err)
			}
			if err := helpers.IncreaseBalance(state, proposer, proposerReward); err != nil {
				return fmt.Errorf("process_sync_aggregate: %w", err)
			}
		} else if err := helpers.DecreaseBalance(state, index, participantReward); err != nil {
			return fmt.Errorf("process_sync_aggregate: %w", err)
		}
	}
	return nil
}

// ethFastAggregateVerify hands eth_fast_aggregate_verify(publicKeys, signingRoot, signature) to verifier: with no
// keys, the signature must be the point at infinity, which needs no pairing; otherwise it is the aggregate key's
// signature.
func ethFastAggregateVerify(verifier operationVerifier, name string, publicKeys []*bls.PublicKey, signingRoot primitives.Root, signature primitives.BLSSignature) error {
	if len(publicKeys) == 0 {
		if signature != helpers.G2PointAtInfinity() {
			return fmt.Errorf("%w: %s: %w: no participants, but not the point at infinity", verifier.owner.sentinel, name, helpers.ErrInvalidSignature)
		}
		return nil
	}
	aggregate, err := bls.AggregatePublicKeys(publicKeys)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", verifier.owner.sentinel, name, err)
	}
	return addSignature(verifier, name, aggregate, signingRoot, signature)
}
