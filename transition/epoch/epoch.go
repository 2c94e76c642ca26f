package epoch

import (
	"fmt"

	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessEpoch is the spec's process_epoch (fulu): its steps, in order. On error the state is partly processed;
// callers transition a copy (helpers.CopyState).
func ProcessEpoch(env *helpers.Env, state *types.BeaconState) error {
	summary, err := Summarize(env, state)
	if err != nil {
		return fmt.Errorf("process_epoch: %w", err)
	}
	if err := ProcessJustificationAndFinalization(env, state, summary); err != nil {
		return fmt.Errorf("process_justification_and_finalization: %w", err)
	}
	if err := ProcessInactivityUpdates(env, state, summary); err != nil {
		return fmt.Errorf("process_inactivity_updates: %w", err)
	}
	if err := ProcessRewardsAndPenalties(env, state, summary); err != nil {
		return fmt.Errorf("process_rewards_and_penalties: %w", err)
	}
	if err := ProcessRegistryUpdates(env, state, summary); err != nil {
		return fmt.Errorf("process_registry_updates: %w", err)
	}
	if err := ProcessSlashings(env, state, summary); err != nil {
		return fmt.Errorf("process_slashings: %w", err)
	}
	ProcessEth1DataReset(state)
	if err := ProcessPendingDeposits(env, state); err != nil {
		return fmt.Errorf("process_pending_deposits: %w", err)
	}
	if err := ProcessPendingConsolidations(state); err != nil {
		return fmt.Errorf("process_pending_consolidations: %w", err)
	}
	if err := ProcessEffectiveBalanceUpdates(state, summary); err != nil {
		return fmt.Errorf("process_effective_balance_updates: %w", err)
	}
	ProcessSlashingsReset(state)
	ProcessRandaoMixesReset(state)
	if err := ProcessHistoricalSummariesUpdate(state); err != nil {
		return fmt.Errorf("process_historical_summaries_update: %w", err)
	}
	ProcessParticipationFlagUpdates(state)
	if err := ProcessSyncCommitteeUpdates(env, state); err != nil {
		return fmt.Errorf("process_sync_committee_updates: %w", err)
	}
	if err := ProcessProposerLookahead(env, state, summary); err != nil {
		return fmt.Errorf("process_proposer_lookahead: %w", err)
	}
	return nil
}
