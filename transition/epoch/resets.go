package epoch

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/sszkit"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessEth1DataReset is the spec's process_eth1_data_reset: votes start afresh each voting period.
func ProcessEth1DataReset(state *types.BeaconState) {
	nextEpoch := helpers.GetCurrentEpoch(state) + 1
	if nextEpoch%params.EpochsPerEth1VotingPeriod == 0 {
		state.Eth1DataVotes = nil
	}
}

// ProcessRandaoMixesReset is the spec's process_randao_mixes_reset: the next epoch's mix starts from this one's.
func ProcessRandaoMixesReset(state *types.BeaconState) {
	currentEpoch := helpers.GetCurrentEpoch(state)
	nextEpoch := currentEpoch + 1
	state.RandaoMixes[uint64(nextEpoch)%params.EpochsPerHistoricalVector] = helpers.GetRandaoMix(state, currentEpoch)
}

// ProcessHistoricalSummariesUpdate is the spec's process_historical_summaries_update (capella).
func ProcessHistoricalSummariesUpdate(state *types.BeaconState) error {
	nextEpoch := helpers.GetCurrentEpoch(state) + 1
	if nextEpoch%(params.SlotsPerHistoricalRoot/params.SlotsPerEpoch) != 0 {
		return nil
	}
	if uint64(len(state.HistoricalSummaries)) >= params.HistoricalRootsLimit {
		return fmt.Errorf("process_historical_summaries_update: %w: historical summaries are full", helpers.ErrIndexOutOfRange)
	}
	state.HistoricalSummaries = append(state.HistoricalSummaries, &types.HistoricalSummary{
		BlockSummaryRoot: rootsVectorRoot(&state.BlockRoots),
		StateSummaryRoot: rootsVectorRoot(&state.StateRoots),
	})
	return nil
}

// rootsVectorRoot is hash_tree_root of a Vector[Root, SLOTS_PER_HISTORICAL_ROOT]: its roots are its chunks.
func rootsVectorRoot(roots *[params.SlotsPerHistoricalRoot]primitives.Root) primitives.Root {
	chunks := make([][32]byte, len(roots))
	for i := range roots {
		chunks[i] = roots[i]
	}
	return sszkit.Merkleize(chunks, params.SlotsPerHistoricalRoot)
}

// ProcessParticipationFlagUpdates is the spec's process_participation_flag_updates (altair): the current epoch's
// flags become the previous epoch's, and the current epoch starts with none. The old previous list is reused.
func ProcessParticipationFlagUpdates(state *types.BeaconState) {
	recycled := state.PreviousEpochParticipation
	state.PreviousEpochParticipation = state.CurrentEpochParticipation
	n := len(state.Validators)
	if cap(recycled) < n {
		recycled = make([]primitives.ParticipationFlag, n)
	} else {
		recycled = recycled[:n]
		clear(recycled)
	}
	state.CurrentEpochParticipation = recycled
}
