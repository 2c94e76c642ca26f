package epoch

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// Validator status bits of a Summary. The first three are the participation flag indices, so that
// status&(1<<flagIndex) tests a previous-epoch flag.
const (
	// statusPreviousSource..statusPreviousHead: unslashed, active in the previous epoch, with that flag.
	statusPreviousSource = 1 << helpers.TimelySourceFlagIndex
	statusPreviousTarget = 1 << helpers.TimelyTargetFlagIndex
	statusPreviousHead   = 1 << helpers.TimelyHeadFlagIndex
	// statusCurrentTarget: unslashed, active in the current epoch, with the target flag.
	statusCurrentTarget = 1 << 3
	// statusEligible: in get_eligible_validator_indices.
	statusEligible = 1 << 4
	// statusActiveInLookahead: active in the epoch process_proposer_lookahead samples (current + MIN_SEED_LOOKAHEAD
	// + 1).
	statusActiveInLookahead = 1 << 5
)

// Summary is what the epoch steps need of the validator registry, gathered in one pass over it (Summarize) so that
// the steps scan flat arrays rather than the registry: the spec's get_unslashed_participating_indices,
// get_eligible_validator_indices and the balances summed over them, each validator's effective balance, and the
// few validators process_registry_updates and process_slashings may change.
//
// It stays exact through the whole of process_epoch, because the steps only change what it does not record, or
// re-check what they read:
//   - nothing before process_effective_balance_updates changes an effective balance, participation flags or a
//     slashed flag; process_pending_deposits only appends validators, which the steps read from the registry;
//   - activations and exits take effect MAX_SEED_LOOKAHEAD+1 epochs on, after the lookahead epoch, so the active
//     sets recorded stay right;
//   - the candidates of process_registry_updates and process_slashings are supersets, re-tested by the step.
//
// A step given a Summary must therefore be given the Summarize of the state at the start of the same epoch
// processing (or, run alone, of the state it runs on).
type Summary struct {
	PreviousEpoch, CurrentEpoch primitives.Epoch
	// TotalActiveBalance is get_total_active_balance.
	TotalActiveBalance primitives.Gwei
	// PreviousParticipatingBalance[flag] is get_total_balance of the previous epoch's unslashed participating
	// indices of each flag.
	PreviousParticipatingBalance [helpers.ParticipationFlagCount]primitives.Gwei
	// CurrentTargetBalance is get_total_balance of the current epoch's unslashed target attesters.
	CurrentTargetBalance primitives.Gwei

	status            []uint8           // per validator, the status bits above
	effectiveBalances []primitives.Gwei // per validator
	// registryCandidates: every validator process_registry_updates may change (eligible for the activation queue,
	// to be ejected, or not activated yet), in index order.
	registryCandidates []primitives.ValidatorIndex
	// slashingCandidates: every slashed validator that is withdrawable when the correlation penalty is due, or
	// whose exit (and so withdrawable epoch) is not set yet, in index order.
	slashingCandidates []primitives.ValidatorIndex
}

// Summarize makes the Summary of state in one pass over the registry, split over the available cores for large
// registries. The state's per-validator lists must all have one entry per validator (ErrInconsistentState), as
// they do in every state a chain reaches.
func Summarize(env *helpers.Env, state *types.BeaconState) (*Summary, error) {
	if err := checkLists(state); err != nil {
		return nil, err
	}
	n := len(state.Validators)
	s := &Summary{
		PreviousEpoch:     helpers.GetPreviousEpoch(state),
		CurrentEpoch:      helpers.GetCurrentEpoch(state),
		status:            make([]uint8, n),
		effectiveBalances: make([]primitives.Gwei, n),
	}
	chunks := make([]summaryChunk, max(1, min(runtime.GOMAXPROCS(0), n/minValidatorsPerWorker)))
	var wg sync.WaitGroup
	for c := range chunks {
		chunk := &chunks[c]
		chunk.from, chunk.to = n*c/len(chunks), n*(c+1)/len(chunks)
		wg.Go(func() { chunk.summarize(env, state, s) })
	}
	wg.Wait()

	var total summaryChunk
	for c := range chunks {
		chunk := &chunks[c]
		if chunk.err != nil {
			return nil, fmt.Errorf("summarize epoch %d: %w", s.CurrentEpoch, chunk.err)
		}
		total.active, total.carries = addCarry(total.active, chunk.active, total.carries+chunk.carries)
		total.currentTarget, total.carries = addCarry(total.currentTarget, chunk.currentTarget, total.carries)
		for flag := range total.previous {
			total.previous[flag], total.carries = addCarry(total.previous[flag], chunk.previous[flag], total.carries)
		}
		s.registryCandidates = append(s.registryCandidates, chunk.registryCandidates...)
		s.slashingCandidates = append(s.slashingCandidates, chunk.slashingCandidates...)
	}
	if total.carries != 0 {
		return nil, fmt.Errorf("summarize epoch %d: balance sum: %w", s.CurrentEpoch, helpers.ErrOverflow)
	}
	s.TotalActiveBalance = primitives.Gwei(max(params.EffectiveBalanceIncrement, total.active))
	for flag := range total.previous {
		s.PreviousParticipatingBalance[flag] = primitives.Gwei(max(params.EffectiveBalanceIncrement, total.previous[flag]))
	}
	s.CurrentTargetBalance = primitives.Gwei(max(params.EffectiveBalanceIncrement, total.currentTarget))
	return s, nil
}

// minValidatorsPerWorker keeps small registries on one goroutine: below it a goroutine costs more than it saves.
const minValidatorsPerWorker = 1 << 16

// summaryChunk is one worker's share of Summarize: validators [from, to) and their sums.
type summaryChunk struct {
	from, to                               int
	active, currentTarget                  uint64
	previous                               [helpers.ParticipationFlagCount]uint64
	carries                                uint64 // carries out of the sums: any means an overflow
	registryCandidates, slashingCandidates []primitives.ValidatorIndex
	err                                    error
}

// summarize fills s's per-validator entries of the chunk's validators and sums their balances.
func (c *summaryChunk) summarize(env *helpers.Env, state *types.BeaconState, s *Summary) {
	defer func() {
		if r := recover(); r != nil {
			c.err = fmt.Errorf("%w: panic: %v", helpers.ErrAssertion, r)
		}
	}()
	previousEpoch, currentEpoch := s.PreviousEpoch, s.CurrentEpoch
	lookaheadEpoch := currentEpoch + params.MinSeedLookahead + 1
	slashingEpoch := currentEpoch + params.EpochsPerSlashingsVector/2
	ejectionBalance := env.Spec.EjectionBalance
	previousParticipation, currentParticipation := state.PreviousEpochParticipation, state.CurrentEpochParticipation
	for i := c.from; i < c.to; i++ {
		v := state.Validators[i]
		var status uint8
		eb := v.EffectiveBalance
		s.effectiveBalances[i] = eb
		activeNow := helpers.IsActiveValidator(v, currentEpoch)
		if activeNow {
			c.active, c.carries = addCarry(c.active, uint64(eb), c.carries)
			if !v.Slashed && helpers.HasFlag(currentParticipation[i], helpers.TimelyTargetFlagIndex) {
				status |= statusCurrentTarget
				c.currentTarget, c.carries = addCarry(c.currentTarget, uint64(eb), c.carries)
			}
		}
		if helpers.IsActiveValidator(v, previousEpoch) {
			status |= statusEligible
			if !v.Slashed {
				flags := uint8(previousParticipation[i])
				for flag := range helpers.ParticipationFlagCount {
					if flags&(1<<flag) != 0 {
						status |= 1 << flag
						c.previous[flag], c.carries = addCarry(c.previous[flag], uint64(eb), c.carries)
					}
				}
			}
		} else if v.Slashed && previousEpoch+1 < v.WithdrawableEpoch {
			status |= statusEligible
		}
		if helpers.IsActiveValidator(v, lookaheadEpoch) {
			status |= statusActiveInLookahead
		}
		s.status[i] = status

		if helpers.IsEligibleForActivationQueue(v) || (activeNow && eb <= ejectionBalance) ||
			v.ActivationEpoch == primitives.FarFutureEpoch {
			c.registryCandidates = append(c.registryCandidates, primitives.ValidatorIndex(i))
		}
		if v.Slashed && (v.WithdrawableEpoch == slashingEpoch || v.ExitEpoch == primitives.FarFutureEpoch) {
			c.slashingCandidates = append(c.slashingCandidates, primitives.ValidatorIndex(i))
		}
	}
}

// effectiveBalance returns validator index's effective balance: recorded, or for a validator added since, read
// from the registry.
func (s *Summary) effectiveBalance(state *types.BeaconState, index int) primitives.Gwei {
	if index < len(s.effectiveBalances) {
		return s.effectiveBalances[index]
	}
	return state.Validators[index].EffectiveBalance
}

// addCarry adds b to a, accumulating any carry into carries.
func addCarry(a, b, carries uint64) (uint64, uint64) {
	sum := a + b
	if sum < a {
		carries++
	}
	return sum, carries
}

// checkLists reports a state whose per-validator lists do not all have one entry per validator.
func checkLists(state *types.BeaconState) error {
	n := len(state.Validators)
	if len(state.Balances) != n || len(state.PreviousEpochParticipation) != n ||
		len(state.CurrentEpochParticipation) != n || len(state.InactivityScores) != n {
		return fmt.Errorf("%w: %d validators, %d balances, %d/%d participation flags, %d inactivity scores",
			helpers.ErrInconsistentState, n, len(state.Balances), len(state.PreviousEpochParticipation),
			len(state.CurrentEpochParticipation), len(state.InactivityScores))
	}
	return nil
}
