package types_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"github.com/prysmaticlabs/go-bitfield"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// Fuzz targets for the containers a peer can send us. Each asserts that decoding arbitrary bytes either fails with
// ErrInvalidSSZ or yields an object that re-encodes to exactly the input (SSZ is canonical: accepting anything else
// would let two encodings share one root) and that hashes without panicking.
//
// Run one for a while with e.g. `go test -run='^$' -fuzz=FuzzSignedBeaconBlock -fuzztime=60s ./types`.

// fuzzable is a container with the generated codec methods.
type fuzzable interface {
	types.Object
	MarshalSSZ() ([]byte, error)
	UnmarshalSSZ([]byte) error
	HashTreeRoot() [32]byte
}

// Bounds on the seeds taken from the vectors: the fuzzer mutates from a few small inputs, not hundreds (and a
// megabyte-sized input slows every execution to a crawl).
const (
	maxVectorSeeds    = 8
	maxVectorSeedSize = 64 << 10
)

func fuzzDecode[T any, PT interface {
	*T
	fuzzable
}](f *testing.F, seeds [][]byte, vectorPatterns ...string) {
	for _, seed := range seeds {
		f.Add(seed)
	}
	for _, pattern := range vectorPatterns {
		added := 0
		for _, file := range vectorFiles(f, pattern) {
			if seed := readSnappy(f, file); len(seed) <= maxVectorSeedSize && added < maxVectorSeeds {
				f.Add(seed)
				added++
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		obj := PT(new(T))
		if err := obj.UnmarshalSSZ(data); err != nil {
			if !errors.Is(err, types.ErrInvalidSSZ) {
				t.Fatalf("decode error does not wrap ErrInvalidSSZ: %v", err)
			}
			return
		}
		encoded, err := obj.MarshalSSZ()
		if err != nil {
			t.Fatalf("accepted input does not re-encode: %v", err)
		}
		if !bytes.Equal(encoded, data) {
			t.Fatalf("accepted a non-canonical encoding:\n input %x\noutput %x", data, encoded)
		}
		obj.HashTreeRoot()
	})
}

// handmadeSeeds returns the encodings of objs, plus each truncated by one byte and with one byte appended, so that
// a target has seeds without the vectors.
func handmadeSeeds(f *testing.F, objs ...types.Object) [][]byte {
	var seeds [][]byte
	for _, obj := range objs {
		encoded, err := types.Marshal(obj)
		if err != nil {
			f.Fatalf("seed %T: %v", obj, err)
		}
		seeds = append(seeds, encoded, encoded[:len(encoded)-1], append(bytes.Clone(encoded), 0))
	}
	return seeds
}

func staticSuite(name string) string {
	return filepath.Join("ssz_static", name, "*", "*", "serialized.ssz_snappy")
}

func operationFile(handler, file string) string {
	return filepath.Join("operations", handler, "*", "*", file+".ssz_snappy")
}

// sampleAttestation is a small valid attestation: committee 0, three of eight bits set.
func sampleAttestation() *types.Attestation {
	bits := bitfield.NewBitlist(8)
	bits.SetBitAt(1, true)
	bits.SetBitAt(4, true)
	bits.SetBitAt(7, true)
	att := &types.Attestation{
		AggregationBits: bits,
		Data:            &types.AttestationData{Slot: 7, Source: &types.Checkpoint{}, Target: &types.Checkpoint{Epoch: 1}},
	}
	att.CommitteeBits[0] = 1
	return att
}

func sampleBlock() *types.SignedBeaconBlock {
	return &types.SignedBeaconBlock{Message: &types.BeaconBlock{
		Slot: 9,
		Body: &types.BeaconBlockBody{
			Eth1Data:      &types.Eth1Data{},
			Attestations:  []*types.Attestation{sampleAttestation()},
			SyncAggregate: &types.SyncAggregate{},
			ExecutionPayload: &types.ExecutionPayload{
				ExtraData:    []byte("salamander"),
				Transactions: [][]byte{{0x02, 0x01}, {}},
				Withdrawals:  []*types.Withdrawal{{Index: 1, Amount: 5}},
			},
			ExecutionRequests: &types.ExecutionRequests{Withdrawals: []*types.WithdrawalRequest{{Amount: 1}}},
		},
	}}
}

func FuzzSignedBeaconBlock(f *testing.F) {
	seeds := handmadeSeeds(f, new(types.SignedBeaconBlock), sampleBlock())
	fuzzDecode[types.SignedBeaconBlock](f, seeds, staticSuite("SignedBeaconBlock"))
}

func FuzzAttestation(f *testing.F) {
	seeds := handmadeSeeds(f, sampleAttestation())
	fuzzDecode[types.Attestation](f, seeds, staticSuite("Attestation"), operationFile("attestation", "attestation"))
}

func FuzzSingleAttestation(f *testing.F) {
	seeds := handmadeSeeds(f, &types.SingleAttestation{CommitteeIndex: 3, AttesterIndex: 99, Data: sampleAttestation().Data})
	fuzzDecode[types.SingleAttestation](f, seeds, staticSuite("SingleAttestation"))
}

func FuzzSignedAggregateAndProof(f *testing.F) {
	seeds := handmadeSeeds(f, &types.SignedAggregateAndProof{Message: &types.AggregateAndProof{
		AggregatorIndex: 5,
		Aggregate:       sampleAttestation(),
	}})
	fuzzDecode[types.SignedAggregateAndProof](f, seeds, staticSuite("SignedAggregateAndProof"))
}

func FuzzDataColumnSidecar(f *testing.F) {
	cell := new(types.Cell)
	cell[0], cell[len(cell)-1] = 1, 2
	seeds := handmadeSeeds(f, &types.DataColumnSidecar{
		Index:             3,
		Column:            []*types.Cell{cell, new(types.Cell)},
		KZGCommitments:    make([]primitives.KZGCommitment, 2),
		KZGProofs:         make([]primitives.KZGProof, 2),
		SignedBlockHeader: &types.SignedBeaconBlockHeader{Message: &types.BeaconBlockHeader{Slot: 1}},
	})
	fuzzDecode[types.DataColumnSidecar](f, seeds, staticSuite("DataColumnSidecar"))
}

func FuzzBeaconState(f *testing.F) {
	state := &types.BeaconState{
		Slot:              params.SlotsPerEpoch,
		Validators:        []*types.Validator{{EffectiveBalance: 32}, {Slashed: true}},
		Balances:          []primitives.Gwei{32, 31},
		InactivityScores:  []uint64{0, 1},
		HistoricalRoots:   make([]primitives.Root, 1),
		Eth1DataVotes:     []*types.Eth1Data{{DepositCount: 1}},
		PendingDeposits:   []*types.PendingDeposit{{Amount: 1}},
		JustificationBits: [1]byte{0b0101},
	}
	seeds := handmadeSeeds(f, new(types.BeaconState), state)
	fuzzDecode[types.BeaconState](f, seeds, staticSuite("BeaconState"), operationFile("block_header", "pre"))
}

// FuzzDataColumnSidecarsByRootRequest covers the hand-written offset parsing of the by-root request lists.
func FuzzDataColumnSidecarsByRootRequest(f *testing.F) {
	req := types.DataColumnSidecarsByRootRequest{
		{BlockRoot: primitives.Root{1}, Columns: []primitives.ColumnIndex{0, 64, 127}},
		{BlockRoot: primitives.Root{2}, Columns: []primitives.ColumnIndex{}},
	}
	encoded, err := req.MarshalSSZ()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(encoded)
	f.Add([]byte{})
	f.Add(encoded[:len(encoded)-3])
	f.Fuzz(func(t *testing.T, data []byte) {
		var decoded types.DataColumnSidecarsByRootRequest
		if err := decoded.UnmarshalSSZ(data); err != nil {
			if !errors.Is(err, types.ErrInvalidSSZ) {
				t.Fatalf("decode error does not wrap ErrInvalidSSZ: %v", err)
			}
			return
		}
		reencoded, err := decoded.MarshalSSZ()
		if err != nil {
			t.Fatalf("accepted input does not re-encode: %v", err)
		}
		if !bytes.Equal(reencoded, data) {
			t.Fatalf("accepted a non-canonical encoding:\n input %x\noutput %x", data, reencoded)
		}
	})
}
