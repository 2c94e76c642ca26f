package epoch

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessSyncCommitteeUpdates is the spec's process_sync_committee_updates (altair): at a sync committee period
// boundary the next committee becomes current and a new next one is sampled.
func ProcessSyncCommitteeUpdates(env *helpers.Env, state *types.BeaconState) error {
	nextEpoch := helpers.GetCurrentEpoch(state) + 1
	if nextEpoch%params.EpochsPerSyncCommitteePeriod != 0 {
		return nil
	}
	next, err := helpers.GetNextSyncCommittee(env, state)
	if err != nil {
		return fmt.Errorf("process_sync_committee_updates: %w", err)
	}
	state.CurrentSyncCommittee = state.NextSyncCommittee
	state.NextSyncCommittee = next
	return nil
}

// ProcessProposerLookahead is the spec's process_proposer_lookahead (fulu): shift out the epoch that ended and
// append the proposers of the epoch MIN_SEED_LOOKAHEAD+1 ahead (get_beacon_proposer_indices), whose active
// validators the summary recorded.
func ProcessProposerLookahead(env *helpers.Env, state *types.BeaconState, summary *Summary) error {
	lastEpochStart := len(state.ProposerLookahead) - params.SlotsPerEpoch
	copy(state.ProposerLookahead[:lastEpochStart], state.ProposerLookahead[params.SlotsPerEpoch:])
	epoch := helpers.GetCurrentEpoch(state) + params.MinSeedLookahead + 1
	active := make([]primitives.ValidatorIndex, 0, len(state.Validators))
	for i, status := range summary.status {
		if status&statusActiveInLookahead != 0 {
			active = append(active, primitives.ValidatorIndex(i))
		}
	}
	for i := len(summary.status); i < len(state.Validators); i++ { // added since the summary
		if helpers.IsActiveValidator(state.Validators[i], epoch) {
			active = append(active, primitives.ValidatorIndex(i))
		}
	}
	seed := helpers.GetSeed(state, epoch, params.DomainBeaconProposer)
	proposers, err := helpers.ComputeProposerIndices(state, epoch, seed, active)
	if err != nil {
		return fmt.Errorf("process_proposer_lookahead: get_beacon_proposer_indices %d: %w", epoch, err)
	}
	copy(state.ProposerLookahead[lastEpochStart:], proposers[:])
	return nil
}
