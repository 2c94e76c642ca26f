// Package genesis builds the genesis state of a devnet that starts at Fulu: the interop genesis every client's
// devnet tooling builds, with the deterministic interop validator keys (bls.InteropSecretKey), so that any client
// can join the chain and sign for its validators.
//
// The spec's initialize_beacon_state_from_eth1 is a phase0 procedure (deposits processed one by one against an
// eth1 deposit contract) that later forks only keep for their tests. An interop genesis writes the state directly,
// as other clients' genesis tools do, and its result is what that procedure, followed by the upgrades to Fulu at
// epoch 0, would give:
//
//   - every validator is active from GENESIS_EPOCH with a 32 ETH balance and effective balance; its deposit data is
//     signed (DOMAIN_DEPOSIT, GENESIS_FORK_VERSION) and the eth1 data's deposit_root is the root of the deposit
//     list, with deposit_count and eth1_deposit_index the validator count, so no block owes a deposit;
//   - fork: previous and current version FULU_FORK_VERSION at epoch 0, as the spec's genesis does for the fork it
//     starts at;
//   - eth1_data.block_hash, and every RANDAO mix, is the execution genesis block's hash; the latest execution
//     payload header is that block's header;
//   - deposit_requests_start_index is UNSET_DEPOSIT_REQUESTS_START_INDEX (no deposit request seen yet), the Electra
//     churn fields start at zero, as the spec's Electra genesis leaves them;
//   - the current and next sync committees are get_next_sync_committee of the state, and proposer_lookahead is
//     Fulu's initialize_proposer_lookahead.
//
// Withdrawal credentials are 0x01 (ETH1_ADDRESS_WITHDRAWAL_PREFIX) by default, so that rewards above 32 ETH are
// swept to the execution layer by partial withdrawals and a devnet exercises get_expected_withdrawals from its
// first epochs; 0x02 (COMPOUNDING_WITHDRAWAL_PREFIX) is the option. The withdrawal address of validator i is
// InteropWithdrawalAddress(pubkey): the last 20 bytes of sha256(pubkey), as interop BLS (0x00) credentials are
// sha256(pubkey) with the first byte replaced.
package genesis

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/engineapi"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// DefaultValidatorCount is the number of interop validators of a devnet when Options.ValidatorCount is zero.
const DefaultValidatorCount = 64

// Withdrawal credential prefixes (the spec's ETH1_ADDRESS_WITHDRAWAL_PREFIX and COMPOUNDING_WITHDRAWAL_PREFIX).
const (
	Eth1AddressWithdrawalPrefix byte = 0x01
	CompoundingWithdrawalPrefix byte = 0x02
)

var (
	// ErrNotFuluAtGenesis means the chain config does not schedule Fulu (and every fork before it) at epoch 0.
	ErrNotFuluAtGenesis = errors.New("chain config does not start at Fulu")
	// ErrInvalidOptions means Options ask for a genesis that cannot be built.
	ErrInvalidOptions = errors.New("invalid genesis options")
)

// Options describe an interop genesis.
type Options struct {
	// GenesisTime is the chain's genesis time, in Unix seconds.
	GenesisTime uint64
	// ValidatorCount is the number of interop validators, 0..ValidatorCount-1; 0 means DefaultValidatorCount.
	ValidatorCount uint64
	// WithdrawalPrefix is Eth1AddressWithdrawalPrefix (the default, for 0) or CompoundingWithdrawalPrefix.
	WithdrawalPrefix byte
	// ExecutionHeader is the header of the execution chain's genesis block. Nil means the mock engine's genesis
	// block for GenesisTime (engineapi.MockGenesisHeader), the devnet default.
	ExecutionHeader *types.ExecutionPayloadHeader
}

// InteropState returns the genesis state opts describe on the chain of env.Spec, which must start at Fulu.
func InteropState(env *helpers.Env, opts Options) (*types.BeaconState, error) {
	spec := env.Spec
	if fork := spec.ForkAtEpoch(params.GenesisEpoch); fork != params.Fulu {
		return nil, fmt.Errorf("interop genesis: %w: the fork at epoch 0 is %s", ErrNotFuluAtGenesis, fork)
	}
	count := opts.ValidatorCount
	if count == 0 {
		count = DefaultValidatorCount
	}
	prefix := opts.WithdrawalPrefix
	if prefix == 0 {
		prefix = Eth1AddressWithdrawalPrefix
	}
	if prefix != Eth1AddressWithdrawalPrefix && prefix != CompoundingWithdrawalPrefix {
		return nil, fmt.Errorf("interop genesis: %w: withdrawal prefix %#02x, want 0x01 or 0x02", ErrInvalidOptions, prefix)
	}
	header := opts.ExecutionHeader
	if header == nil {
		header = engineapi.MockGenesisHeader(engineapi.MockConfig{GenesisTime: opts.GenesisTime})
	}
	if header.BaseFeePerGas == nil {
		return nil, fmt.Errorf("interop genesis: %w: the execution header has no base fee", ErrInvalidOptions)
	}
	if header.Timestamp > opts.GenesisTime {
		return nil, fmt.Errorf("interop genesis: %w: the execution genesis block (timestamp %d) is after the beacon genesis (%d)",
			ErrInvalidOptions, header.Timestamp, opts.GenesisTime)
	}

	deposits, err := InteropDeposits(spec, count, prefix)
	if err != nil {
		return nil, fmt.Errorf("interop genesis: %w", err)
	}
	state, err := stateFromDeposits(env, opts.GenesisTime, header, deposits)
	if err != nil {
		return nil, fmt.Errorf("interop genesis: %w", err)
	}
	return state, nil
}

// stateFromDeposits builds the genesis state whose validators are deposits' and whose execution chain starts at
// header.
func stateFromDeposits(env *helpers.Env, genesisTime uint64, header *types.ExecutionPayloadHeader, deposits []*types.DepositData) (*types.BeaconState, error) {
	fulu := env.Spec.ForkVersion(params.Fulu)
	blockHash := header.BlockHash
	state := &types.BeaconState{
		GenesisTime:       genesisTime,
		Fork:              &types.Fork{PreviousVersion: fulu, CurrentVersion: fulu, Epoch: params.GenesisEpoch},
		LatestBlockHeader: &types.BeaconBlockHeader{BodyRoot: types.HashTreeRoot(&types.BeaconBlockBody{})},
		Eth1Data: &types.Eth1Data{
			DepositRoot:  DepositRoot(deposits),
			DepositCount: uint64(len(deposits)),
			BlockHash:    blockHash,
		},
		Eth1DepositIndex:             uint64(len(deposits)),
		PreviousJustifiedCheckpoint:  &types.Checkpoint{},
		CurrentJustifiedCheckpoint:   &types.Checkpoint{},
		FinalizedCheckpoint:          &types.Checkpoint{},
		LatestExecutionPayloadHeader: copyHeader(header),
		DepositRequestsStartIndex:    helpers.UnsetDepositRequestsStartIndex,
		Validators:                   make([]*types.Validator, 0, len(deposits)),
		Balances:                     make([]primitives.Gwei, 0, len(deposits)),
		PreviousEpochParticipation:   make([]primitives.ParticipationFlag, 0, len(deposits)),
		CurrentEpochParticipation:    make([]primitives.ParticipationFlag, 0, len(deposits)),
		InactivityScores:             make([]uint64, 0, len(deposits)),
	}
	for i := range state.RandaoMixes {
		state.RandaoMixes[i] = primitives.Bytes32(blockHash)
	}
	for _, d := range deposits {
		if err := helpers.AddValidatorToRegistry(env, state, d.Pubkey, d.WithdrawalCredentials, d.Amount); err != nil {
			return nil, err
		}
	}
	// The activations of the spec's genesis: every validator whose effective balance reaches the activation
	// balance is active from the start.
	for _, v := range state.Validators {
		if v.EffectiveBalance >= params.MinActivationBalance {
			v.ActivationEligibilityEpoch = params.GenesisEpoch
			v.ActivationEpoch = params.GenesisEpoch
		}
	}
	state.GenesisValidatorsRoot = validatorsRoot(state.Validators)

	current, err := helpers.GetNextSyncCommittee(env, state)
	if err != nil {
		return nil, fmt.Errorf("current sync committee: %w", err)
	}
	next, err := helpers.GetNextSyncCommittee(env, state)
	if err != nil {
		return nil, fmt.Errorf("next sync committee: %w", err)
	}
	state.CurrentSyncCommittee, state.NextSyncCommittee = current, next

	lookahead, err := InitializeProposerLookahead(env, state)
	if err != nil {
		return nil, err
	}
	state.ProposerLookahead = lookahead
	return state, nil
}

// InitializeProposerLookahead is the spec's initialize_proposer_lookahead (fulu): the proposers of the current
// epoch and the MIN_SEED_LOOKAHEAD epochs after it.
func InitializeProposerLookahead(env *helpers.Env, state *types.BeaconState) ([types.ProposerLookaheadLength]primitives.ValidatorIndex, error) {
	var lookahead [types.ProposerLookaheadLength]primitives.ValidatorIndex
	current := helpers.GetCurrentEpoch(state)
	for i := range params.MinSeedLookahead + 1 {
		proposers, err := helpers.GetBeaconProposerIndices(env, state, current+primitives.Epoch(i))
		if err != nil {
			return lookahead, fmt.Errorf("initialize_proposer_lookahead: %w", err)
		}
		copy(lookahead[i*params.SlotsPerEpoch:], proposers[:])
	}
	return lookahead, nil
}

// InteropWithdrawalAddress is the execution address interop credentials withdraw validator pubkey's balance to:
// the last 20 bytes of sha256(pubkey).
func InteropWithdrawalAddress(pubkey primitives.BLSPubkey) primitives.ExecutionAddress {
	digest := sha256.Sum256(pubkey[:])
	return primitives.ExecutionAddress(digest[12:])
}

// InteropWithdrawalCredentials returns prefix || 0x00 * 11 || InteropWithdrawalAddress(pubkey).
func InteropWithdrawalCredentials(pubkey primitives.BLSPubkey, prefix byte) primitives.Bytes32 {
	var credentials primitives.Bytes32
	credentials[0] = prefix
	address := InteropWithdrawalAddress(pubkey)
	copy(credentials[12:], address[:])
	return credentials
}

// InteropDeposits returns the signed deposit data of interop validators 0..count-1, each of MIN_ACTIVATION_BALANCE
// with InteropWithdrawalCredentials(pubkey, prefix). Signing is spread over the available cores.
func InteropDeposits(spec *params.Spec, count uint64, prefix byte) ([]*types.DepositData, error) {
	domain := params.ComputeDomain(params.DomainDeposit, spec.ForkVersion(params.Phase0), primitives.Root{})
	deposits := make([]*types.DepositData, count)
	errs := make([]error, count)
	var wg sync.WaitGroup
	workers := uint64(max(1, runtime.GOMAXPROCS(0)))
	for w := range workers {
		wg.Go(func() {
			for i := w; i < count; i += workers {
				deposits[i], errs[i] = interopDeposit(i, prefix, domain)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return deposits, nil
}

func interopDeposit(index uint64, prefix byte, domain primitives.Domain) (*types.DepositData, error) {
	sk, err := bls.InteropSecretKey(index)
	if err != nil {
		return nil, err
	}
	defer sk.Zeroize()
	pubkey := sk.PublicKey().Bytes()
	message := &types.DepositMessage{
		Pubkey:                pubkey,
		WithdrawalCredentials: InteropWithdrawalCredentials(pubkey, prefix),
		Amount:                params.MinActivationBalance,
	}
	root := params.ComputeSigningRoot(types.HashTreeRoot(message), domain)
	return &types.DepositData{
		Pubkey:                message.Pubkey,
		WithdrawalCredentials: message.WithdrawalCredentials,
		Amount:                message.Amount,
		Signature:             sk.Sign(root[:]).Bytes(),
	}, nil
}

// DepositRoot is hash_tree_root(List[DepositData, 2**DEPOSIT_CONTRACT_TREE_DEPTH](deposits)): the deposit
// contract's root after these deposits, which the spec's genesis writes into eth1_data.deposit_root.
func DepositRoot(deposits []*types.DepositData) primitives.Root {
	return ssz.HashSequential(&depositDataList{deposits: deposits})
}

// depositDataList exists to hash a bare list with the codec, which hashes only containers: the root of a container
// whose single field is a list is the root of that list.
type depositDataList struct{ deposits []*types.DepositData }

func (l *depositDataList) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return 4
	}
	return 4 + ssz.SizeSliceOfStaticObjects(s, l.deposits)
}

func (l *depositDataList) DefineSSZ(c *ssz.Codec) {
	ssz.DefineSliceOfStaticObjectsOffset(c, &l.deposits, 1<<types.DepositContractTreeDepth)
	ssz.DefineSliceOfStaticObjectsContent(c, &l.deposits, 1<<types.DepositContractTreeDepth)
}

// validatorsRoot is hash_tree_root(state.validators): the genesis validators root.
func validatorsRoot(validators []*types.Validator) primitives.Root {
	return ssz.HashSequential(&validatorList{validators: validators})
}

type validatorList struct{ validators []*types.Validator }

func (l *validatorList) SizeSSZ(s *ssz.Sizer, fixed bool) uint32 {
	if fixed {
		return 4
	}
	return 4 + ssz.SizeSliceOfStaticObjects(s, l.validators)
}

func (l *validatorList) DefineSSZ(c *ssz.Codec) {
	ssz.DefineSliceOfStaticObjectsOffset(c, &l.validators, params.ValidatorRegistryLimit)
	ssz.DefineSliceOfStaticObjectsContent(c, &l.validators, params.ValidatorRegistryLimit)
}

func copyHeader(h *types.ExecutionPayloadHeader) *types.ExecutionPayloadHeader {
	c := *h
	c.ExtraData = append([]byte{}, h.ExtraData...)
	c.BaseFeePerGas = h.BaseFeePerGas.Clone()
	return &c
}
