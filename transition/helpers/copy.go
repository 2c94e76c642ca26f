package helpers

import (
	"slices"

	"github.com/holiman/uint256"

	"github.com/salamander-client/salamander/types"
)

// CopyState returns a deep copy of state that shares nothing mutable with it, so that a transition of the copy
// that fails leaves the original untouched. Lists of containers are copied into one backing array each rather
// than one allocation per element.
func CopyState(state *types.BeaconState) *types.BeaconState {
	c := new(types.BeaconState)
	*c = *state // scalars and vectors (block and state roots, RANDAO mixes, slashings, proposer lookahead)

	c.Fork = clonePtr(state.Fork)
	c.LatestBlockHeader = clonePtr(state.LatestBlockHeader)
	c.HistoricalRoots = slices.Clone(state.HistoricalRoots)
	c.Eth1Data = clonePtr(state.Eth1Data)
	c.Eth1DataVotes = cloneAll(state.Eth1DataVotes)
	c.Validators = cloneAll(state.Validators)
	c.Balances = cloneRoomy(state.Balances)
	c.PreviousEpochParticipation = cloneRoomy(state.PreviousEpochParticipation)
	c.CurrentEpochParticipation = cloneRoomy(state.CurrentEpochParticipation)
	c.PreviousJustifiedCheckpoint = clonePtr(state.PreviousJustifiedCheckpoint)
	c.CurrentJustifiedCheckpoint = clonePtr(state.CurrentJustifiedCheckpoint)
	c.FinalizedCheckpoint = clonePtr(state.FinalizedCheckpoint)
	c.InactivityScores = cloneRoomy(state.InactivityScores)
	c.CurrentSyncCommittee = clonePtr(state.CurrentSyncCommittee)
	c.NextSyncCommittee = clonePtr(state.NextSyncCommittee)
	if h := state.LatestExecutionPayloadHeader; h != nil {
		header := *h
		header.ExtraData = slices.Clone(h.ExtraData)
		if h.BaseFeePerGas != nil {
			header.BaseFeePerGas = new(uint256.Int).Set(h.BaseFeePerGas)
		}
		c.LatestExecutionPayloadHeader = &header
	}
	c.HistoricalSummaries = cloneAll(state.HistoricalSummaries)
	c.PendingDeposits = cloneAll(state.PendingDeposits)
	c.PendingPartialWithdrawals = cloneAll(state.PendingPartialWithdrawals)
	c.PendingConsolidations = cloneAll(state.PendingConsolidations)
	return c
}

// registryHeadroom is the spare capacity CopyState gives the per-validator lists, so that the validators an epoch
// or a block adds (a handful) are appended without copying lists of a million entries again.
const registryHeadroom = 256

// cloneRoomy copies a per-validator list with registryHeadroom spare capacity. A nil list stays nil.
func cloneRoomy[T any](list []T) []T {
	if list == nil {
		return nil
	}
	return append(make([]T, 0, len(list)+registryHeadroom), list...)
}

// clonePtr copies the value p points to; T must hold no pointers or slices.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// cloneAll copies a list of pointers to flat values into one backing array, with registryHeadroom spare pointers.
// A nil list stays nil.
func cloneAll[T any](list []*T) []*T {
	if list == nil {
		return nil
	}
	values := make([]T, len(list))
	out := make([]*T, len(list), len(list)+registryHeadroom)
	for i, p := range list {
		if p != nil {
			values[i] = *p
			out[i] = &values[i]
		}
	}
	return out
}
