package helpers_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/prysmaticlabs/go-bitfield"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/transition/helpers/helperstest"
	"github.com/salamander-client/salamander/types"
)

// signedAttestation returns an attestation of the state's previous epoch by every member of committee 0 of a slot,
// signed by their keys, and its attesting indices.
func signedAttestation(t *testing.T, env *helpers.Env, state *types.BeaconState, opts helperstest.Options) (*types.Attestation, []primitives.ValidatorIndex) {
	t.Helper()
	slot := helpers.ComputeStartSlotAtEpoch(helpers.GetPreviousEpoch(state)) + 3
	committee, err := helpers.GetBeaconCommittee(env, state, slot, 0)
	if err != nil {
		t.Fatal(err)
	}
	data := &types.AttestationData{Slot: slot, BeaconBlockRoot: primitives.Root{1},
		Source: &types.Checkpoint{Epoch: 1}, Target: &types.Checkpoint{Epoch: helpers.GetPreviousEpoch(state), Root: primitives.Root{2}}}
	domain := helpers.GetDomain(state, params.DomainBeaconAttester, data.Target.Epoch)
	root := params.ComputeSigningRoot(types.HashTreeRoot(data), domain)
	bits := bitfield.NewBitlist(uint64(len(committee)))
	var sigs []*bls.Signature
	for i, index := range committee {
		if i%3 == 0 {
			continue
		}
		bits.SetBitAt(uint64(i), true)
		sigs = append(sigs, helperstest.ValidatorSecretKey(opts, int(index)).Sign(root[:]))
	}
	att := &types.Attestation{AggregationBits: bits, Data: data, Signature: aggregate(t, sigs)}
	att.CommitteeBits[0] = 1
	indices, err := helpers.GetAttestingIndices(env, state, att)
	if err != nil {
		t.Fatal(err)
	}
	return att, indices
}

func TestIndexedAttestationSignatures(t *testing.T) {
	spec, state, opts := testState(t, 4096)
	env := helpers.NewEnv(spec, helpers.NewCaches())
	att, indices := signedAttestation(t, env, state, opts)
	if len(indices) == 0 {
		t.Fatal("no attesting indices")
	}
	indexed, err := helpers.GetIndexedAttestation(env, state, att)
	if err != nil {
		t.Fatal(err)
	}
	if err := helpers.IsValidIndexedAttestation(env, state, indexed, helpers.VerifyNow{}); err != nil {
		t.Fatalf("valid attestation: %v", err)
	}

	batch := helpers.NewBatchVerifier()
	if err := helpers.IsValidIndexedAttestation(env, state, indexed, batch); err != nil {
		t.Fatal(err)
	}
	if err := batch.Verify(); err != nil {
		t.Fatalf("batch of one valid attestation: %v", err)
	}

	// Another message under the same signature: invalid at once with VerifyNow, at Verify with a batch.
	forged := *indexed
	forgedData := *indexed.Data
	forgedData.BeaconBlockRoot = primitives.Root{9}
	forged.Data = &forgedData
	if err := helpers.IsValidIndexedAttestation(env, state, &forged, helpers.VerifyNow{}); !errors.Is(err, helpers.ErrInvalidSignature) {
		t.Fatalf("forged attestation with VerifyNow: %v, want ErrInvalidSignature", err)
	}
	batch = helpers.NewBatchVerifier()
	for _, a := range []*types.IndexedAttestation{indexed, &forged, indexed} {
		if err := helpers.IsValidIndexedAttestation(env, state, a, batch); err != nil {
			t.Fatalf("adding to a batch: %v", err)
		}
	}
	if err := batch.Verify(); !errors.Is(err, helpers.ErrInvalidSignature) || !strings.Contains(err.Error(), "1 of 3") {
		t.Fatalf("batch with a forged attestation: %v", err)
	}

	for name, bad := range map[string][]primitives.ValidatorIndex{
		"empty":        nil,
		"unsorted":     {indices[1], indices[0]},
		"duplicate":    {indices[0], indices[0]},
		"out of range": {primitives.ValidatorIndex(len(state.Validators))},
	} {
		a := *indexed
		a.AttestingIndices = bad
		if err := helpers.IsValidIndexedAttestation(env, state, &a, helpers.VerifyNow{}); err == nil {
			t.Errorf("%s attesting indices: no error", name)
		}
	}

	short := *att
	short.AggregationBits = bitfield.NewBitlist(1)
	if _, err := helpers.GetAttestingIndices(env, state, &short); !errors.Is(err, helpers.ErrInvalidAttestation) {
		t.Errorf("aggregation bits shorter than the committee: %v", err)
	}
}

func TestIsValidDepositSignature(t *testing.T) {
	spec, _, _ := testState(t, 64)
	env := helpers.NewEnv(spec, nil)
	sk := helperstest.SecretKey(99, 0)
	pubkey := sk.PublicKey().Bytes()
	credentials := primitives.Bytes32{0: 0x01, 31: 7}
	message := &types.DepositMessage{Pubkey: pubkey, WithdrawalCredentials: credentials, Amount: 32_000_000_000}
	domain := params.ComputeDomain(params.DomainDeposit, spec.ForkVersion(params.Phase0), primitives.Root{})
	root := params.ComputeSigningRoot(types.HashTreeRoot(message), domain)
	signature := sk.Sign(root[:]).Bytes()
	if !helpers.IsValidDepositSignature(env, pubkey, credentials, 32_000_000_000, signature) {
		t.Fatal("valid deposit signature rejected")
	}
	if helpers.IsValidDepositSignature(env, pubkey, credentials, 31_000_000_000, signature) {
		t.Fatal("deposit signature of another amount accepted")
	}
	if helpers.IsValidDepositSignature(env, primitives.BLSPubkey{1}, credentials, 32_000_000_000, signature) {
		t.Fatal("malformed public key accepted")
	}
	if helpers.IsValidDepositSignature(env, pubkey, credentials, 32_000_000_000, primitives.BLSSignature{1}) {
		t.Fatal("malformed signature accepted")
	}
}
