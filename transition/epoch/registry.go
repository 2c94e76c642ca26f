package epoch

import (
	"fmt"

	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessRegistryUpdates is the spec's process_registry_updates (electra): activation eligibility, ejections and
// activations, in index order. Only the summary's candidates can meet any of the three conditions, so only they
// are visited, each tested as the spec does.
func ProcessRegistryUpdates(env *helpers.Env, state *types.BeaconState, summary *Summary) error {
	currentEpoch := helpers.GetCurrentEpoch(state)
	activationEpoch := helpers.ComputeActivationExitEpoch(currentEpoch)
	ejectionBalance := env.Spec.EjectionBalance
	for _, index := range summary.registryCandidates {
		v := state.Validators[index]
		switch {
		case helpers.IsEligibleForActivationQueue(v):
			v.ActivationEligibilityEpoch = currentEpoch + 1
		case helpers.IsActiveValidator(v, currentEpoch) && v.EffectiveBalance <= ejectionBalance:
			if err := helpers.InitiateValidatorExit(env, state, index); err != nil {
				return fmt.Errorf("process_registry_updates: %w", err)
			}
		case helpers.IsEligibleForActivation(state, v):
			v.ActivationEpoch = activationEpoch
		}
	}
	return nil
}
