// Package helperstest builds deterministic synthetic Fulu beacon states for the transition's tests and benchmarks:
// a registry of any size with valid, distinct public keys and mainnet-like balances, participation, queues and
// finality. It is test support: nothing in the node imports it.
package helperstest

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	"github.com/holiman/uint256"
	blst "github.com/supranational/blst/bindings/go"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// MinEpoch is the earliest epoch NewState builds a state at: its registry has a history of activations and exits.
const MinEpoch = 1024

// Options shape a synthetic state.
type Options struct {
	Validators int              // registry size
	Epoch      primitives.Epoch // the state is at the last slot of this epoch, ready for process_epoch
	Seed       uint64           // everything random derives from it
	// NewDeposits is how many finalized pending deposits create validators (each with a valid signature); as
	// many top-ups of existing validators precede them.
	NewDeposits int
}

// Spec returns the spec of this build's preset with its own network config.
func Spec() (*params.Spec, error) {
	cfg := params.MainnetConfig()
	if params.PresetName == "minimal" {
		cfg = params.MinimalConfig()
	}
	return params.NewSpec(cfg)
}

// PublicKeys returns n distinct valid compressed public keys: those of the secret keys base+1 ... base+n, computed
// by adding the generator point and converting to affine coordinates in one batch, which is fast enough for
// registries of millions.
func PublicKeys(n int, base uint64) []primitives.BLSPubkey {
	var scalar blst.Scalar
	var le [32]byte
	binary.LittleEndian.PutUint64(le[:], base+1)
	scalar.FromLEndian(le[:])
	point := blst.P1Generator().Mult(&scalar)
	generator := blst.P1Generator()
	points := make(blst.P1s, n)
	for i := range points {
		points[i] = *point
		point.AddAssign(generator)
	}
	keys := make([]primitives.BLSPubkey, n)
	for i, p := range points.ToAffine() {
		keys[i] = primitives.BLSPubkey(p.Compress())
	}
	return keys
}

// SecretKey returns the secret key of PublicKeys(n, base)[i]: the scalar base+1+i.
func SecretKey(base uint64, i int) *bls.SecretKey {
	var be [32]byte
	binary.BigEndian.PutUint64(be[24:], base+1+uint64(i))
	sk, err := bls.SecretKeyFromBytes(be[:])
	if err != nil {
		panic(fmt.Sprintf("helperstest: secret key %d: %v", i, err))
	}
	return sk
}

// ValidatorSecretKey returns the secret key of validator index of the state NewState builds from opts.
func ValidatorSecretKey(opts Options, index int) *bls.SecretKey {
	return SecretKey(keyBase(opts), index)
}

func keyBase(opts Options) uint64 { return opts.Seed << 32 }

// NewState builds the state opts describe; opts.Epoch must be at least MinEpoch. It panics only on a bug in this
// package.
func NewState(spec *params.Spec, opts Options) *types.BeaconState {
	if opts.Epoch < MinEpoch {
		panic(fmt.Sprintf("helperstest: epoch %d is below %d", opts.Epoch, MinEpoch))
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5a1a))
	n := opts.Validators
	epoch := opts.Epoch
	slot := primitives.Slot((uint64(epoch)+1)*params.SlotsPerEpoch - 1)
	randomRoot := func() (r primitives.Root) {
		for i := 0; i < 32; i += 8 {
			binary.LittleEndian.PutUint64(r[i:], rng.Uint64())
		}
		return r
	}
	const eth = primitives.Gwei(1_000_000_000)

	s := &types.BeaconState{
		GenesisTime:           1606824023,
		GenesisValidatorsRoot: randomRoot(),
		Slot:                  slot,
		Fork: &types.Fork{
			PreviousVersion: spec.ForkVersion(params.Electra),
			CurrentVersion:  spec.ForkVersion(params.Fulu),
			Epoch:           min(spec.ForkEpoch(params.Fulu), epoch),
		},
		LatestBlockHeader: &types.BeaconBlockHeader{Slot: slot, ProposerIndex: primitives.ValidatorIndex(rng.IntN(n)),
			ParentRoot: randomRoot(), BodyRoot: randomRoot()},
		Eth1Data:                  &types.Eth1Data{DepositRoot: randomRoot(), DepositCount: uint64(n), BlockHash: primitives.Hash32(randomRoot())},
		Eth1DepositIndex:          uint64(n),
		DepositRequestsStartIndex: uint64(n),
	}
	for i := range s.BlockRoots {
		s.BlockRoots[i], s.StateRoots[i] = randomRoot(), randomRoot()
	}
	for range 64 {
		s.HistoricalRoots = append(s.HistoricalRoots, randomRoot())
	}
	for range 10 {
		s.Eth1DataVotes = append(s.Eth1DataVotes, &types.Eth1Data{DepositRoot: randomRoot(), DepositCount: uint64(n)})
	}
	for i := range s.RandaoMixes {
		s.RandaoMixes[i] = primitives.Bytes32(randomRoot())
	}
	for i := range 20 {
		s.Slashings[(uint64(epoch)-uint64(i)*97)%params.EpochsPerSlashingsVector] = primitives.Gwei(rng.IntN(64)+1) * eth
	}

	// The registry: mostly active 0x01 validators at 32 ETH, some compounding ones with more, some exited, some
	// slashed, some queued for activation, a few under the ejection balance.
	pubkeys := PublicKeys(n, keyBase(opts))
	validators := make([]types.Validator, n)
	s.Validators = make([]*types.Validator, n)
	s.Balances = make([]primitives.Gwei, n)
	s.InactivityScores = make([]uint64, n)
	s.PreviousEpochParticipation = make([]primitives.ParticipationFlag, n)
	s.CurrentEpochParticipation = make([]primitives.ParticipationFlag, n)
	finalized := epoch - 2
	for i := range validators {
		v := &validators[i]
		s.Validators[i] = v
		v.Pubkey = pubkeys[i]
		v.WithdrawalCredentials[0] = eth1Prefix
		binary.LittleEndian.PutUint64(v.WithdrawalCredentials[12:], rng.Uint64())
		v.EffectiveBalance = 32 * eth
		v.ActivationEligibilityEpoch = primitives.Epoch(rng.Uint64N(uint64(epoch) / 2))
		v.ActivationEpoch = v.ActivationEligibilityEpoch + 5
		v.ExitEpoch, v.WithdrawableEpoch = primitives.FarFutureEpoch, primitives.FarFutureEpoch
		balance := 32*eth + primitives.Gwei(rng.Uint64N(uint64(eth)/16))
		switch r := rng.IntN(1000); {
		case r < 80: // exited and withdrawn
			v.ExitEpoch = v.ActivationEpoch + 1 + primitives.Epoch(rng.Uint64N(uint64(epoch-300-v.ActivationEpoch)))
			v.WithdrawableEpoch = v.ExitEpoch + 256
			v.EffectiveBalance, balance = 0, 0
		case r < 85: // exiting
			v.ExitEpoch = epoch + primitives.Epoch(rng.IntN(6)+1)
			v.WithdrawableEpoch = v.ExitEpoch + 256
		case r < 87: // slashed, some reaching the correlation penalty now
			v.Slashed = true
			v.ExitEpoch = epoch - primitives.Epoch(rng.IntN(100))
			v.WithdrawableEpoch = v.ExitEpoch + params.EpochsPerSlashingsVector
			if r == 86 {
				v.WithdrawableEpoch = epoch + params.EpochsPerSlashingsVector/2
			}
			balance = 31 * eth
			v.EffectiveBalance = 31 * eth
		case r < 90: // deposited, waiting in the activation queue or for eligibility
			v.ActivationEpoch = primitives.FarFutureEpoch
			v.ActivationEligibilityEpoch = primitives.FarFutureEpoch
			if r < 89 {
				v.ActivationEligibilityEpoch = finalized - primitives.Epoch(rng.IntN(10))
			}
		case r < 140: // compounding, with more than 32 ETH
			v.WithdrawalCredentials[0] = compoundingPrefix
			v.EffectiveBalance = primitives.Gwei(32+rng.IntN(2048-32+1)) * eth
			balance = v.EffectiveBalance + primitives.Gwei(rng.Uint64N(uint64(eth)))
		case r < 150: // balance drifted down far enough to lower the effective balance
			balance = 31*eth + primitives.Gwei(rng.Uint64N(uint64(eth)/2))
		case r == 150: // under the ejection balance
			v.EffectiveBalance = spec.EjectionBalance
			balance = spec.EjectionBalance
		}
		s.Balances[i] = balance
		if isActive(v, epoch-1) && !v.Slashed {
			s.PreviousEpochParticipation[i] = participation(rng)
		}
		if isActive(v, epoch) && !v.Slashed {
			s.CurrentEpochParticipation[i] = participation(rng)
		}
		if rng.IntN(100) == 0 {
			s.InactivityScores[i] = uint64(rng.IntN(64))
		}
	}

	s.JustificationBits[0] = 0b1111
	s.PreviousJustifiedCheckpoint = &types.Checkpoint{Epoch: epoch - 2, Root: randomRoot()}
	s.CurrentJustifiedCheckpoint = &types.Checkpoint{Epoch: epoch - 1, Root: randomRoot()}
	s.FinalizedCheckpoint = &types.Checkpoint{Epoch: finalized, Root: randomRoot()}

	s.CurrentSyncCommittee, s.NextSyncCommittee = new(types.SyncCommittee), new(types.SyncCommittee)
	for i := range s.CurrentSyncCommittee.Pubkeys {
		s.CurrentSyncCommittee.Pubkeys[i] = pubkeys[rng.IntN(n)]
		s.NextSyncCommittee.Pubkeys[i] = pubkeys[rng.IntN(n)]
	}
	s.CurrentSyncCommittee.AggregatePubkey, s.NextSyncCommittee.AggregatePubkey = pubkeys[0], pubkeys[1]

	s.LatestExecutionPayloadHeader = &types.ExecutionPayloadHeader{
		ParentHash: primitives.Hash32(randomRoot()), StateRoot: primitives.Bytes32(randomRoot()),
		BlockNumber: 23_000_000, GasLimit: 45_000_000, GasUsed: 20_000_000, Timestamp: s.GenesisTime + uint64(slot)*12,
		ExtraData: []byte("salamander"), BaseFeePerGas: uint256.NewInt(1_000_000_000),
		BlockHash: primitives.Hash32(randomRoot()), TransactionsRoot: randomRoot(), WithdrawalsRoot: randomRoot(),
	}
	s.NextWithdrawalIndex = primitives.WithdrawalIndex(rng.Uint64N(1 << 30))
	s.NextWithdrawalValidatorIndex = primitives.ValidatorIndex(rng.IntN(n))
	for range 100 {
		s.HistoricalSummaries = append(s.HistoricalSummaries, &types.HistoricalSummary{BlockSummaryRoot: randomRoot(), StateSummaryRoot: randomRoot()})
	}

	s.ExitBalanceToConsume = 100 * eth
	s.EarliestExitEpoch = epoch + 6
	s.EarliestConsolidationEpoch = epoch + 5

	// Finalized deposits: top-ups of existing validators, then new validators; then some not yet finalized.
	finalizedSlot := primitives.Slot(uint64(finalized) * params.SlotsPerEpoch)
	for i := range opts.NewDeposits {
		index := rng.IntN(n)
		s.PendingDeposits = append(s.PendingDeposits, &types.PendingDeposit{
			Pubkey: pubkeys[index], WithdrawalCredentials: validators[index].WithdrawalCredentials,
			Amount: eth, Signature: primitives.BLSSignature{0: 0xc0}, Slot: finalizedSlot - primitives.Slot(64-i),
		})
	}
	for i := range opts.NewDeposits {
		s.PendingDeposits = append(s.PendingDeposits, newValidatorDeposit(spec, uint64(n+i), finalizedSlot-primitives.Slot(32-i)))
	}
	for i := range 100 {
		s.PendingDeposits = append(s.PendingDeposits, &types.PendingDeposit{
			Pubkey: pubkeys[rng.IntN(n)], Amount: eth, Slot: finalizedSlot + primitives.Slot(i+1),
		})
	}
	for range 50 {
		s.PendingPartialWithdrawals = append(s.PendingPartialWithdrawals, &types.PendingPartialWithdrawal{
			ValidatorIndex: primitives.ValidatorIndex(rng.IntN(n)), Amount: eth, WithdrawableEpoch: epoch + 2,
		})
	}
	for i := range 20 {
		source := rng.IntN(n)
		if i < 10 && !validators[source].Slashed { // these have exited and become withdrawable
			validators[source].ExitEpoch = epoch - 300
			validators[source].WithdrawableEpoch = epoch - 44
		}
		s.PendingConsolidations = append(s.PendingConsolidations, &types.PendingConsolidation{
			SourceIndex: primitives.ValidatorIndex(source), TargetIndex: primitives.ValidatorIndex(rng.IntN(n)),
		})
	}
	for i := range s.ProposerLookahead {
		s.ProposerLookahead[i] = primitives.ValidatorIndex(rng.IntN(n))
	}
	return s
}

const (
	eth1Prefix        = 0x01
	compoundingPrefix = 0x02
)

func isActive(v *types.Validator, epoch primitives.Epoch) bool {
	return v.ActivationEpoch <= epoch && epoch < v.ExitEpoch
}

// participation draws an attester's flags: most attest perfectly, some miss the head or the target.
func participation(rng *rand.Rand) primitives.ParticipationFlag {
	switch r := rng.IntN(100); {
	case r < 93:
		return 0b111
	case r < 97:
		return 0b011
	case r < 99:
		return 0b001
	}
	return 0
}

// newValidatorDeposit returns a pending deposit creating a validator with the interop key of index, correctly
// signed.
func newValidatorDeposit(spec *params.Spec, index uint64, slot primitives.Slot) *types.PendingDeposit {
	sk, err := bls.InteropSecretKey(index)
	if err != nil {
		panic(fmt.Sprintf("helperstest: interop key %d: %v", index, err))
	}
	d := &types.PendingDeposit{Pubkey: sk.PublicKey().Bytes(), Amount: 32_000_000_000, Slot: slot}
	d.WithdrawalCredentials[0] = eth1Prefix
	message := &types.DepositMessage{Pubkey: d.Pubkey, WithdrawalCredentials: d.WithdrawalCredentials, Amount: d.Amount}
	domain := params.ComputeDomain(params.DomainDeposit, spec.ForkVersion(params.Phase0), primitives.Root{})
	root := params.ComputeSigningRoot(types.HashTreeRoot(message), domain)
	d.Signature = sk.Sign(root[:]).Bytes()
	return d
}
