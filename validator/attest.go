package validator

import (
	"fmt"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// GetAttestationData is the attestation data of the honest validator guide at slot: headRoot is the fork choice's
// head block and headState its post-state processed through the empty slots up to slot (process_slots). The
// index is 0 (Electra: the committee is in the attestation's committee bits); the source is the head state's
// current justified checkpoint; the target is the current epoch's boundary block, which is the head itself when
// the slot starts the epoch.
func GetAttestationData(headState *types.BeaconState, headRoot primitives.Root, slot primitives.Slot) (*types.AttestationData, error) {
	if headState.Slot != slot {
		return nil, fmt.Errorf("attestation data for slot %d: the head state is at slot %d, not processed to it", slot, headState.Slot)
	}
	epoch := helpers.GetCurrentEpoch(headState)
	boundary := headRoot
	if start := helpers.ComputeStartSlotAtEpoch(epoch); start != headState.Slot {
		root, err := helpers.GetBlockRoot(headState, epoch)
		if err != nil {
			return nil, fmt.Errorf("attestation data for slot %d: %w", slot, err)
		}
		boundary = root
	}
	source := *headState.CurrentJustifiedCheckpoint
	return &types.AttestationData{
		Slot:            slot,
		Index:           0,
		BeaconBlockRoot: headRoot,
		Source:          &source,
		Target:          &types.Checkpoint{Epoch: epoch, Root: boundary},
	}, nil
}

// NewSingleAttestation is the attestation of the Electra validator guide: the attester's signature over data, with
// its committee and validator index.
func NewSingleAttestation(duty AttesterDuty, data *types.AttestationData, signature primitives.BLSSignature) *types.SingleAttestation {
	return &types.SingleAttestation{CommitteeIndex: duty.CommitteeIndex, AttesterIndex: duty.ValidatorIndex, Data: data, Signature: signature}
}
