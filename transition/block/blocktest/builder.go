// Package blocktest builds valid, signed Fulu blocks on the synthetic states of package helperstest, for the
// transition's tests and benchmarks: a block with a full set of attestations, a sync aggregate, withdrawals, blob
// commitments and transactions, signed by the proposer, with its correct state root. It is test support: nothing
// in the node imports it.
//
// helperstest's validator i has the secret key Seed<<32 + 1 + i, so an aggregate signature is one signature by the
// sum of the signers' keys: building a block costs a few signatures, however many validators attest.
package blocktest

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/big"
	"math/rand/v2"

	"github.com/holiman/uint256"
	"github.com/prysmaticlabs/go-bitfield"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/epoch"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/transition/helpers/helperstest"
	"github.com/salamander-client/salamander/types"
)

// curveOrder is r, the order of the BLS12-381 subgroups: secret keys add modulo r.
var curveOrder, _ = new(big.Int).SetString("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001", 16)

// Options shape a block.
type Options struct {
	// Seed is the helperstest.Options.Seed the state was built with; it decides the validators' keys.
	Seed uint64
	// Attestations is the number of aggregate attestations (at most MAX_ATTESTATIONS_ELECTRA), one per recent
	// slot, each over all of its slot's committees.
	Attestations int
	// Participation is the share of each committee (and of the sync committee) that attests, in (0, 1].
	Participation float64
	// OlderParticipation, if not zero, replaces Participation for the slots before the previous one, whose
	// attestations a real block carries only the stragglers of.
	OlderParticipation float64
	// Transactions and TransactionSize shape the payload's transactions; BlobCommitments is the number of blob
	// commitments (at most the blob limit).
	Transactions, TransactionSize, BlobCommitments int
}

// DefaultOptions is a busy block, the worst case of attestation processing: eight aggregates of whole slots at 95%
// participation (a quarter of the registry at mainnet's size), 200 transactions of 500 bytes and six blobs.
func DefaultOptions(seed uint64) Options {
	return Options{Seed: seed, Attestations: params.MaxAttestationsElectra, Participation: 0.95,
		Transactions: 200, TransactionSize: 500, BlobCommitments: 6}
}

// TypicalOptions is a block as mainnet has them since Electra: one aggregate of the previous slot at 97%
// participation and seven of older slots' stragglers (2%), with the transactions and blobs of DefaultOptions.
func TypicalOptions(seed uint64) Options {
	opts := DefaultOptions(seed)
	opts.Participation, opts.OlderParticipation = 0.97, 0.02
	return opts
}

// Build returns a valid signed block for the slot after state's, and the state at that slot before the block
// (process_slots applied), on which block.ProcessBlock accepts it. state is not modified.
func Build(env *helpers.Env, state *types.BeaconState, opts Options) (*types.SignedBeaconBlock, *types.BeaconState, error) {
	pre := helpers.CopyState(state)
	slot := state.Slot + 1
	if err := epoch.ProcessSlots(env, pre, slot); err != nil {
		return nil, nil, fmt.Errorf("blocktest: %w", err)
	}
	k := keys{seed: opts.Seed}
	rng := rand.New(rand.NewPCG(opts.Seed, uint64(slot)))
	currentEpoch := helpers.GetCurrentEpoch(pre)
	proposer := helpers.GetBeaconProposerIndex(pre)

	var epochRoot primitives.Root
	binary.LittleEndian.PutUint64(epochRoot[:], uint64(currentEpoch))
	randaoReveal, err := k.sign([]primitives.ValidatorIndex{proposer},
		params.ComputeSigningRoot(epochRoot, helpers.GetDomain(pre, params.DomainRandao, currentEpoch)))
	if err != nil {
		return nil, nil, err
	}
	payload, err := buildPayload(env, pre, opts, rng)
	if err != nil {
		return nil, nil, err
	}
	body := &types.BeaconBlockBody{
		RandaoReveal:      randaoReveal,
		Eth1Data:          &types.Eth1Data{DepositRoot: pre.Eth1Data.DepositRoot, DepositCount: pre.Eth1Data.DepositCount, BlockHash: pre.Eth1Data.BlockHash},
		ExecutionPayload:  payload,
		ExecutionRequests: &types.ExecutionRequests{},
	}
	copy(body.Graffiti[:], "salamander blocktest")
	for i := range opts.BlobCommitments {
		body.BlobKZGCommitments = append(body.BlobKZGCommitments, primitives.KZGCommitment{0: 0xc0, 1: byte(i)})
	}
	for i := 1; i <= opts.Attestations && i <= params.MaxAttestationsElectra; i++ {
		participation := opts.Participation
		if i > 1 && opts.OlderParticipation != 0 {
			participation = opts.OlderParticipation
		}
		attestation, err := buildAttestation(env, pre, slot-primitives.Slot(i), participation, k, rng)
		if err != nil {
			return nil, nil, err
		}
		if attestation != nil {
			body.Attestations = append(body.Attestations, attestation)
		}
	}
	if body.SyncAggregate, err = buildSyncAggregate(env, pre, opts.Participation, k, rng); err != nil {
		return nil, nil, err
	}

	blk := &types.BeaconBlock{
		Slot:          slot,
		ProposerIndex: proposer,
		ParentRoot:    types.HashTreeRoot(pre.LatestBlockHeader),
		Body:          body,
	}
	signed, err := Seal(env, pre, blk, opts.Seed)
	if err != nil {
		return nil, nil, err
	}
	return signed, pre, nil
}

// Seal sets blk's state root to the root of the state it leads to from pre (a state at its slot) and returns it
// signed by its proposer, a validator of a helperstest state built with seed. Signatures in the body are not
// checked, so a test can seal a block it has corrupted them in.
func Seal(env *helpers.Env, pre *types.BeaconState, blk *types.BeaconBlock, seed uint64) (*types.SignedBeaconBlock, error) {
	post := helpers.CopyState(pre)
	if err := block.ProcessBlock(context.Background(), env, post, blk, block.AcceptAllEngine{}, helpers.SkipSignatureChecks{}); err != nil {
		return nil, fmt.Errorf("blocktest: the block is invalid: %w", err)
	}
	root, err := env.HashTreeRoot(post)
	if err != nil {
		return nil, fmt.Errorf("blocktest: %w", err)
	}
	blk.StateRoot = root
	signature, err := SignBlock(env, pre, blk, seed)
	if err != nil {
		return nil, err
	}
	return &types.SignedBeaconBlock{Message: blk, Signature: signature}, nil
}

// SignBlock returns the signature of blk by its proposer, a validator of a helperstest state built with seed; pre
// is a state at the block's slot.
func SignBlock(env *helpers.Env, pre *types.BeaconState, blk *types.BeaconBlock, seed uint64) (primitives.BLSSignature, error) {
	domain := helpers.GetDomain(pre, params.DomainBeaconProposer, helpers.GetCurrentEpoch(pre))
	return Sign(seed, []primitives.ValidatorIndex{blk.ProposerIndex}, params.ComputeSigningRoot(types.HashTreeRoot(blk), domain))
}

// Sign returns the aggregate signature of the validators at indices (of a helperstest state built with seed) over
// signingRoot.
func Sign(seed uint64, indices []primitives.ValidatorIndex, signingRoot primitives.Root) (primitives.BLSSignature, error) {
	return keys{seed: seed}.sign(indices, signingRoot)
}

func buildPayload(env *helpers.Env, state *types.BeaconState, opts Options, rng *rand.Rand) (*types.ExecutionPayload, error) {
	withdrawals, _, err := block.GetExpectedWithdrawals(state)
	if err != nil {
		return nil, fmt.Errorf("blocktest: %w", err)
	}
	timestamp, err := helpers.ComputeTimeAtSlot(env, state, state.Slot)
	if err != nil {
		return nil, fmt.Errorf("blocktest: %w", err)
	}
	latest := state.LatestExecutionPayloadHeader
	payload := &types.ExecutionPayload{
		ParentHash:    latest.BlockHash,
		FeeRecipient:  primitives.ExecutionAddress{0x5a},
		PrevRandao:    helpers.GetRandaoMix(state, helpers.GetCurrentEpoch(state)),
		BlockNumber:   latest.BlockNumber + 1,
		GasLimit:      latest.GasLimit,
		GasUsed:       latest.GasLimit / 2,
		Timestamp:     timestamp,
		ExtraData:     []byte("salamander"),
		BaseFeePerGas: uint256.NewInt(1_000_000_000),
		Withdrawals:   withdrawals,
	}
	binary.LittleEndian.PutUint64(payload.BlockHash[:], rng.Uint64())
	binary.LittleEndian.PutUint64(payload.StateRoot[:], rng.Uint64())
	for range opts.Transactions {
		tx := make([]byte, opts.TransactionSize)
		for j := range tx {
			tx[j] = byte(rng.Uint32())
		}
		payload.Transactions = append(payload.Transactions, tx)
	}
	return payload, nil
}

// buildAttestation returns the aggregate of all committees of slot, or nil if slot cannot be attested to in a
// block of state's slot.
func buildAttestation(env *helpers.Env, state *types.BeaconState, slot primitives.Slot, participation float64, k keys, rng *rand.Rand) (*types.Attestation, error) {
	targetEpoch := helpers.ComputeEpochAtSlot(slot)
	currentEpoch := helpers.GetCurrentEpoch(state)
	if slot >= state.Slot || (targetEpoch != currentEpoch && targetEpoch != helpers.GetPreviousEpoch(state)) {
		return nil, nil
	}
	source := state.PreviousJustifiedCheckpoint
	if targetEpoch == currentEpoch {
		source = state.CurrentJustifiedCheckpoint
	}
	head, err := helpers.GetBlockRootAtSlot(state, slot)
	if err != nil {
		return nil, fmt.Errorf("blocktest: %w", err)
	}
	target, err := helpers.GetBlockRoot(state, targetEpoch)
	if err != nil {
		return nil, fmt.Errorf("blocktest: %w", err)
	}
	data := &types.AttestationData{
		Slot:            slot,
		BeaconBlockRoot: head,
		Source:          &types.Checkpoint{Epoch: source.Epoch, Root: source.Root},
		Target:          &types.Checkpoint{Epoch: targetEpoch, Root: target},
	}

	attestation := &types.Attestation{Data: data}
	var committees [][]primitives.ValidatorIndex
	size := 0
	for index := range helpers.GetCommitteeCountPerSlot(env, state, targetEpoch) {
		committee, err := helpers.GetBeaconCommittee(env, state, slot, primitives.CommitteeIndex(index))
		if err != nil {
			return nil, fmt.Errorf("blocktest: %w", err)
		}
		committees = append(committees, committee)
		size += len(committee)
		attestation.CommitteeBits[index/8] |= 1 << (index % 8)
	}
	attestation.AggregationBits = bitfield.NewBitlist(uint64(size))
	var signers []primitives.ValidatorIndex
	offset := 0
	for _, committee := range committees {
		first := rng.IntN(len(committee)) // every committee has an attester
		for i, index := range committee {
			if i == first || rng.Float64() < participation {
				attestation.AggregationBits.SetBitAt(uint64(offset+i), true)
				signers = append(signers, index)
			}
		}
		offset += len(committee)
	}
	domain := helpers.GetDomain(state, params.DomainBeaconAttester, targetEpoch)
	if attestation.Signature, err = k.sign(signers, params.ComputeSigningRoot(types.HashTreeRoot(data), domain)); err != nil {
		return nil, err
	}
	return attestation, nil
}

func buildSyncAggregate(env *helpers.Env, state *types.BeaconState, participation float64, k keys, rng *rand.Rand) (*types.SyncAggregate, error) {
	aggregate := new(types.SyncAggregate)
	var signers []primitives.ValidatorIndex
	for i, pubkey := range state.CurrentSyncCommittee.Pubkeys {
		if rng.Float64() >= participation {
			continue
		}
		index, ok := helpers.ValidatorIndexByPubkey(env, state, pubkey)
		if !ok {
			return nil, fmt.Errorf("blocktest: sync committee member %d is no validator", i)
		}
		aggregate.SyncCommitteeBits[i/8] |= 1 << (i % 8)
		signers = append(signers, index)
	}
	if len(signers) == 0 {
		aggregate.SyncCommitteeSignature = helpers.G2PointAtInfinity()
		return aggregate, nil
	}
	previousSlot := max(state.Slot, 1) - 1
	root, err := helpers.GetBlockRootAtSlot(state, previousSlot)
	if err != nil {
		return nil, fmt.Errorf("blocktest: %w", err)
	}
	domain := helpers.GetDomain(state, params.DomainSyncCommittee, helpers.ComputeEpochAtSlot(previousSlot))
	if aggregate.SyncCommitteeSignature, err = k.sign(signers, params.ComputeSigningRoot(root, domain)); err != nil {
		return nil, err
	}
	return aggregate, nil
}

// keys are the secret keys of a helperstest state's validators.
type keys struct{ seed uint64 }

// sign signs root with the sum of the keys of indices (a repeated index counts as often as it appears).
func (k keys) sign(indices []primitives.ValidatorIndex, root primitives.Root) (primitives.BLSSignature, error) {
	sum := new(big.Int)
	scalar := new(big.Int)
	base := new(big.Int).SetUint64(k.seed << 32)
	for _, index := range indices {
		scalar.SetUint64(uint64(index) + 1)
		sum.Add(sum, scalar.Add(scalar, base))
	}
	sum.Mod(sum, curveOrder)
	var raw [bls.SecretKeyLength]byte
	sum.FillBytes(raw[:])
	sk, err := bls.SecretKeyFromBytes(raw[:])
	if err != nil {
		return primitives.BLSSignature{}, fmt.Errorf("blocktest: aggregate secret key: %w", err)
	}
	return sk.Sign(root[:]).Bytes(), nil
}

// NewState returns helperstest.NewState(spec, opts) with a proposer lookahead computed from its registry (the
// synthetic one is random, and may name slashed or exited proposers, who cannot propose).
func NewState(env *helpers.Env, opts helperstest.Options) (*types.BeaconState, error) {
	state := helperstest.NewState(env.Spec, opts)
	current := helpers.GetCurrentEpoch(state)
	for i := range params.MinSeedLookahead + 1 {
		proposers, err := helpers.GetBeaconProposerIndices(env, state, current+primitives.Epoch(i))
		if err != nil {
			return nil, fmt.Errorf("blocktest: %w", err)
		}
		copy(state.ProposerLookahead[i*params.SlotsPerEpoch:], proposers[:])
	}
	return state, nil
}
