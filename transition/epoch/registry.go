package epoch

import (
	"fmt"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// ProcessRegistryUpdates is the spec's process_registry_updates (electra): activation eligibility, ejections and
// activations, in one pass in index order.
func ProcessRegistryUpdates(env *helpers.Env, state *types.BeaconState) error {
	currentEpoch := helpers.GetCurrentEpoch(state)
	activationEpoch := helpers.ComputeActivationExitEpoch(currentEpoch)
	ejectionBalance := env.Spec.EjectionBalance
	for index, v := range state.Validators {
		switch {
		case helpers.IsEligibleForActivationQueue(v):
			v.ActivationEligibilityEpoch = currentEpoch + 1
		case helpers.IsActiveValidator(v, currentEpoch) && v.EffectiveBalance <= ejectionBalance:
			if err := helpers.InitiateValidatorExit(env, state, primitives.ValidatorIndex(index)); err != nil {
				return fmt.Errorf("process_registry_updates: %w", err)
			}
		case helpers.IsEligibleForActivation(state, v):
			v.ActivationEpoch = activationEpoch
		}
	}
	return nil
}
