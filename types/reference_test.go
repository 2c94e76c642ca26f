package types_test

import (
	"encoding/binary"
	"math/bits"
	"path/filepath"
	"slices"
	"testing"

	"github.com/holiman/uint256"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/sszkit"
	"github.com/salamander-client/salamander/types"
)

// A second, independent hash_tree_root of the BeaconState, written field by field from the spec's merkleization
// rules (merkleize, pack, mix_in_length as sszkit implements them against the spec's own test cases). In a minimal
// build it is checked against the vectors' states; in a mainnet build, where the release carries no ssz_static
// suite, it checks the codec's mainnet-sized vectors and list limits against the spec's rules.

func refUint(v uint64) (chunk [32]byte) {
	binary.LittleEndian.PutUint64(chunk[:], v)
	return chunk
}

func refBool(v bool) [32]byte {
	if v {
		return refUint(1)
	}
	return refUint(0)
}

func refUint256(n *uint256.Int) (chunk [32]byte) {
	if n != nil {
		be := n.Bytes32()
		for i := range chunk {
			chunk[i] = be[31-i]
		}
	}
	return chunk
}

// refBytes is the root of a ByteVector (and of a Bitvector's bytes).
func refBytes(b []byte) [32]byte {
	chunks := sszkit.Pack(b)
	return sszkit.Merkleize(chunks, uint64(len(chunks)))
}

func refByteList(b []byte, limit uint64) [32]byte {
	return sszkit.MixInLength(sszkit.Merkleize(sszkit.Pack(b), (limit+31)/32), uint64(len(b)))
}

func refContainer(fields ...[32]byte) [32]byte {
	return sszkit.Merkleize(fields, uint64(len(fields)))
}

func refVector[T ~[32]byte](items []T) [32]byte {
	roots := make([][32]byte, len(items))
	for i, item := range items {
		roots[i] = item
	}
	return sszkit.Merkleize(roots, uint64(len(roots)))
}

func refList[T any](items []T, limit uint64, root func(T) [32]byte) [32]byte {
	roots := make([][32]byte, len(items))
	for i, item := range items {
		roots[i] = root(item)
	}
	return sszkit.MixInLength(sszkit.Merkleize(roots, limit), uint64(len(items)))
}

func refUint64s[T ~uint64](values []T) []byte {
	out := make([]byte, 8*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint64(out[8*i:], uint64(v))
	}
	return out
}

func refUint64Vector[T ~uint64](values []T) [32]byte {
	return refBytes(refUint64s(values))
}

func refUint64List[T ~uint64](values []T, limit uint64) [32]byte {
	return sszkit.MixInLength(sszkit.Merkleize(sszkit.Pack(refUint64s(values)), (limit*8+31)/32), uint64(len(values)))
}

func refCheckpoint(c *types.Checkpoint) [32]byte {
	return refContainer(refUint(uint64(c.Epoch)), c.Root)
}

func refEth1Data(e *types.Eth1Data) [32]byte {
	return refContainer(e.DepositRoot, refUint(e.DepositCount), e.BlockHash)
}

func refValidator(v *types.Validator) [32]byte {
	return refContainer(refBytes(v.Pubkey[:]), v.WithdrawalCredentials, refUint(uint64(v.EffectiveBalance)), refBool(v.Slashed),
		refUint(uint64(v.ActivationEligibilityEpoch)), refUint(uint64(v.ActivationEpoch)), refUint(uint64(v.ExitEpoch)),
		refUint(uint64(v.WithdrawableEpoch)))
}

func refSyncCommittee(s *types.SyncCommittee) [32]byte {
	pubkeys := make([][32]byte, len(s.Pubkeys))
	for i := range s.Pubkeys {
		pubkeys[i] = refBytes(s.Pubkeys[i][:])
	}
	return refContainer(sszkit.Merkleize(pubkeys, uint64(len(pubkeys))), refBytes(s.AggregatePubkey[:]))
}

func refPayloadHeader(h *types.ExecutionPayloadHeader) [32]byte {
	return refContainer(h.ParentHash, refBytes(h.FeeRecipient[:]), h.StateRoot, h.ReceiptsRoot, refBytes(h.LogsBloom[:]),
		h.PrevRandao, refUint(h.BlockNumber), refUint(h.GasLimit), refUint(h.GasUsed), refUint(h.Timestamp),
		refByteList(h.ExtraData, params.MaxExtraDataBytes), refUint256(h.BaseFeePerGas), h.BlockHash, h.TransactionsRoot,
		h.WithdrawalsRoot, refUint(h.BlobGasUsed), refUint(h.ExcessBlobGas))
}

func refBeaconState(s *types.BeaconState) [32]byte {
	participation := func(flags []primitives.ParticipationFlag) [32]byte {
		b := make([]byte, len(flags))
		for i, f := range flags {
			b[i] = byte(f)
		}
		return refByteList(b, params.ValidatorRegistryLimit)
	}
	return refContainer(
		refUint(s.GenesisTime),
		s.GenesisValidatorsRoot,
		refUint(uint64(s.Slot)),
		refContainer(refBytes(s.Fork.PreviousVersion[:]), refBytes(s.Fork.CurrentVersion[:]), refUint(uint64(s.Fork.Epoch))),
		refContainer(refUint(uint64(s.LatestBlockHeader.Slot)), refUint(uint64(s.LatestBlockHeader.ProposerIndex)),
			s.LatestBlockHeader.ParentRoot, s.LatestBlockHeader.StateRoot, s.LatestBlockHeader.BodyRoot),
		refVector(s.BlockRoots[:]),
		refVector(s.StateRoots[:]),
		refList(s.HistoricalRoots, params.HistoricalRootsLimit, func(r primitives.Root) [32]byte { return r }),
		refEth1Data(s.Eth1Data),
		refList(s.Eth1DataVotes, params.EpochsPerEth1VotingPeriod*params.SlotsPerEpoch, refEth1Data),
		refUint(s.Eth1DepositIndex),
		refList(s.Validators, params.ValidatorRegistryLimit, refValidator),
		refUint64List(s.Balances, params.ValidatorRegistryLimit),
		refVector(s.RandaoMixes[:]),
		refUint64Vector(s.Slashings[:]),
		participation(s.PreviousEpochParticipation),
		participation(s.CurrentEpochParticipation),
		refBytes(s.JustificationBits[:]),
		refCheckpoint(s.PreviousJustifiedCheckpoint),
		refCheckpoint(s.CurrentJustifiedCheckpoint),
		refCheckpoint(s.FinalizedCheckpoint),
		refUint64List(s.InactivityScores, params.ValidatorRegistryLimit),
		refSyncCommittee(s.CurrentSyncCommittee),
		refSyncCommittee(s.NextSyncCommittee),
		refPayloadHeader(s.LatestExecutionPayloadHeader),
		refUint(uint64(s.NextWithdrawalIndex)),
		refUint(uint64(s.NextWithdrawalValidatorIndex)),
		refList(s.HistoricalSummaries, params.HistoricalRootsLimit, func(h *types.HistoricalSummary) [32]byte {
			return refContainer(h.BlockSummaryRoot, h.StateSummaryRoot)
		}),
		refUint(s.DepositRequestsStartIndex),
		refUint(uint64(s.DepositBalanceToConsume)),
		refUint(uint64(s.ExitBalanceToConsume)),
		refUint(uint64(s.EarliestExitEpoch)),
		refUint(uint64(s.ConsolidationBalanceToConsume)),
		refUint(uint64(s.EarliestConsolidationEpoch)),
		refList(s.PendingDeposits, params.PendingDepositsLimit, func(d *types.PendingDeposit) [32]byte {
			return refContainer(refBytes(d.Pubkey[:]), d.WithdrawalCredentials, refUint(uint64(d.Amount)), refBytes(d.Signature[:]), refUint(uint64(d.Slot)))
		}),
		refList(s.PendingPartialWithdrawals, params.PendingPartialWithdrawalsLimit, func(w *types.PendingPartialWithdrawal) [32]byte {
			return refContainer(refUint(uint64(w.ValidatorIndex)), refUint(uint64(w.Amount)), refUint(uint64(w.WithdrawableEpoch)))
		}),
		refList(s.PendingConsolidations, params.PendingConsolidationsLimit, func(c *types.PendingConsolidation) [32]byte {
			return refContainer(refUint(uint64(c.SourceIndex)), refUint(uint64(c.TargetIndex)))
		}),
		refUint64Vector(s.ProposerLookahead[:]),
	)
}

// TestBeaconStateRootMatchesReference compares both of the codec's hashers with the reference on the states of the
// vectors: the ssz_static BeaconStates (minimal only) and the operations pre-states (both presets).
func TestBeaconStateRootMatchesReference(t *testing.T) {
	files := vectorFiles(t, staticSuite("BeaconState"))
	pre := vectorFiles(t, operationFile("*", "pre"))
	files = append(files, pre[:min(len(pre), 12)]...)
	if len(files) == 0 {
		t.Skip("consensus-spec-tests not unpacked: run `go run ./internal/tools/vectors` at the repository root")
	}
	for _, file := range files {
		state := decodeFile[types.BeaconState](t, file)
		want := refBeaconState(state)
		if have := types.HashTreeRoot(state); have != want {
			t.Errorf("%s: sequential root %#x, reference %#x", filepath.Base(filepath.Dir(file)), have, want)
		}
		if have := state.HashTreeRoot(); have != want {
			t.Errorf("%s: concurrent root %#x, reference %#x", filepath.Base(filepath.Dir(file)), have, want)
		}
	}
}

// TestOddSizedRootsMatchReference checks the containers whose vectors and bitvectors change length between the
// presets, filled with varied content.
func TestOddSizedRootsMatchReference(t *testing.T) {
	contribution := &types.SyncCommitteeContribution{Slot: 77, BeaconBlockRoot: primitives.Root{1, 2}, SubcommitteeIndex: 3}
	for i := range contribution.AggregationBits {
		contribution.AggregationBits[i] = byte(i*37 + 1)
	}
	contribution.Signature[95] = 9
	want := refContainer(refUint(77), contribution.BeaconBlockRoot, refUint(3), refBytes(contribution.AggregationBits[:]),
		refBytes(contribution.Signature[:]))
	if have := contribution.HashTreeRoot(); have != want {
		t.Errorf("SyncCommitteeContribution: root %#x, reference %#x", have, want)
	}

	batch := new(types.HistoricalBatch)
	for i := range batch.BlockRoots {
		batch.BlockRoots[i] = primitives.Root(refUint(uint64(i)))
		batch.StateRoots[i] = primitives.Root(refUint(uint64(i) << 32))
	}
	if have, want := batch.HashTreeRoot(), refContainer(refVector(batch.BlockRoots[:]), refVector(batch.StateRoots[:])); have != want {
		t.Errorf("HistoricalBatch: root %#x, reference %#x", have, want)
	}

	meta := &types.MetaData{SeqNumber: 5, CustodyGroupCount: 8}
	meta.Attnets[0], meta.Attnets[len(meta.Attnets)-1], meta.Syncnets[0] = 0x81, 0x40, 0x0a
	if have, want := meta.HashTreeRoot(), refContainer(refUint(5), refBytes(meta.Attnets[:]), refBytes(meta.Syncnets[:]), refUint(8)); have != want {
		t.Errorf("MetaData: root %#x, reference %#x", have, want)
	}

	committee := new(types.SyncCommittee)
	for i := range committee.Pubkeys {
		committee.Pubkeys[i][0], committee.Pubkeys[i][47] = byte(i), byte(i>>8)
	}
	if have, want := committee.HashTreeRoot(), refSyncCommittee(committee); have != want {
		t.Errorf("SyncCommittee: root %#x, reference %#x", have, want)
	}

	att := sampleAttestation()
	att.CommitteeBits[len(att.CommitteeBits)-1] |= 0x08
	data := att.Data
	// A bitlist's root packs its bits without the length bit, the highest set bit of the last byte.
	raw := slices.Clone([]byte(att.AggregationBits))
	last := raw[len(raw)-1]
	raw[len(raw)-1] = last &^ (1 << (bits.Len8(last) - 1))
	aggregation := sszkit.MixInLength(sszkit.Merkleize(sszkit.Pack(raw), (types.MaxAttestingIndices+255)/256),
		att.AggregationBits.Len())
	dataRoot := refContainer(refUint(uint64(data.Slot)), refUint(uint64(data.Index)), data.BeaconBlockRoot,
		refCheckpoint(data.Source), refCheckpoint(data.Target))
	if have, want := att.HashTreeRoot(), refContainer(aggregation, dataRoot, refBytes(att.Signature[:]), refBytes(att.CommitteeBits[:])); have != want {
		t.Errorf("Attestation: root %#x, reference %#x", have, want)
	}
}
