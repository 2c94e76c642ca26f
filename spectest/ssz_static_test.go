package spectest

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/salamander-client/salamander/types"
)

func init() { registry.Handle("ssz_static", "", runSSZStatic) }

// sszStaticObject is what every ssz_static case needs of a container: the codec and its root.
type sszStaticObject interface {
	types.Object
	HashTreeRoot() [32]byte
}

// sszStaticTypes maps each ssz_static handler (a spec container name) to its Go type.
var sszStaticTypes = map[string]func() sszStaticObject{
	"AggregateAndProof":           func() sszStaticObject { return new(types.AggregateAndProof) },
	"Attestation":                 func() sszStaticObject { return new(types.Attestation) },
	"AttestationData":             func() sszStaticObject { return new(types.AttestationData) },
	"AttesterSlashing":            func() sszStaticObject { return new(types.AttesterSlashing) },
	"BLSToExecutionChange":        func() sszStaticObject { return new(types.BLSToExecutionChange) },
	"BeaconBlock":                 func() sszStaticObject { return new(types.BeaconBlock) },
	"BeaconBlockBody":             func() sszStaticObject { return new(types.BeaconBlockBody) },
	"BeaconBlockHeader":           func() sszStaticObject { return new(types.BeaconBlockHeader) },
	"BeaconState":                 func() sszStaticObject { return new(types.BeaconState) },
	"BlobIdentifier":              func() sszStaticObject { return new(types.BlobIdentifier) },
	"BlobSidecar":                 func() sszStaticObject { return new(types.BlobSidecar) },
	"Checkpoint":                  func() sszStaticObject { return new(types.Checkpoint) },
	"ConsolidationRequest":        func() sszStaticObject { return new(types.ConsolidationRequest) },
	"ContributionAndProof":        func() sszStaticObject { return new(types.ContributionAndProof) },
	"DataColumnSidecar":           func() sszStaticObject { return new(types.DataColumnSidecar) },
	"DataColumnsByRootIdentifier": func() sszStaticObject { return new(types.DataColumnsByRootIdentifier) },
	"Deposit":                     func() sszStaticObject { return new(types.Deposit) },
	"DepositData":                 func() sszStaticObject { return new(types.DepositData) },
	"DepositMessage":              func() sszStaticObject { return new(types.DepositMessage) },
	"DepositRequest":              func() sszStaticObject { return new(types.DepositRequest) },
	"Eth1Block":                   func() sszStaticObject { return new(types.Eth1Block) },
	"Eth1Data":                    func() sszStaticObject { return new(types.Eth1Data) },
	"ExecutionPayload":            func() sszStaticObject { return new(types.ExecutionPayload) },
	"ExecutionPayloadHeader":      func() sszStaticObject { return new(types.ExecutionPayloadHeader) },
	"ExecutionRequests":           func() sszStaticObject { return new(types.ExecutionRequests) },
	"Fork":                        func() sszStaticObject { return new(types.Fork) },
	"ForkData":                    func() sszStaticObject { return new(types.ForkData) },
	"HistoricalBatch":             func() sszStaticObject { return new(types.HistoricalBatch) },
	"HistoricalSummary":           func() sszStaticObject { return new(types.HistoricalSummary) },
	"IndexedAttestation":          func() sszStaticObject { return new(types.IndexedAttestation) },
	"LightClientBootstrap":        func() sszStaticObject { return new(types.LightClientBootstrap) },
	"LightClientFinalityUpdate":   func() sszStaticObject { return new(types.LightClientFinalityUpdate) },
	"LightClientHeader":           func() sszStaticObject { return new(types.LightClientHeader) },
	"LightClientOptimisticUpdate": func() sszStaticObject { return new(types.LightClientOptimisticUpdate) },
	"LightClientUpdate":           func() sszStaticObject { return new(types.LightClientUpdate) },
	"MatrixEntry":                 func() sszStaticObject { return new(types.MatrixEntry) },
	"PendingAttestation":          func() sszStaticObject { return new(types.PendingAttestation) },
	"PendingConsolidation":        func() sszStaticObject { return new(types.PendingConsolidation) },
	"PendingDeposit":              func() sszStaticObject { return new(types.PendingDeposit) },
	"PendingPartialWithdrawal":    func() sszStaticObject { return new(types.PendingPartialWithdrawal) },
	"PowBlock":                    func() sszStaticObject { return new(types.PowBlock) },
	"ProposerSlashing":            func() sszStaticObject { return new(types.ProposerSlashing) },
	"SignedAggregateAndProof":     func() sszStaticObject { return new(types.SignedAggregateAndProof) },
	"SignedBLSToExecutionChange":  func() sszStaticObject { return new(types.SignedBLSToExecutionChange) },
	"SignedBeaconBlock":           func() sszStaticObject { return new(types.SignedBeaconBlock) },
	"SignedBeaconBlockHeader":     func() sszStaticObject { return new(types.SignedBeaconBlockHeader) },
	"SignedContributionAndProof":  func() sszStaticObject { return new(types.SignedContributionAndProof) },
	"SignedVoluntaryExit":         func() sszStaticObject { return new(types.SignedVoluntaryExit) },
	"SigningData":                 func() sszStaticObject { return new(types.SigningData) },
	"SingleAttestation":           func() sszStaticObject { return new(types.SingleAttestation) },
	"SyncAggregate":               func() sszStaticObject { return new(types.SyncAggregate) },
	"SyncAggregatorSelectionData": func() sszStaticObject { return new(types.SyncAggregatorSelectionData) },
	"SyncCommittee":               func() sszStaticObject { return new(types.SyncCommittee) },
	"SyncCommitteeContribution":   func() sszStaticObject { return new(types.SyncCommitteeContribution) },
	"SyncCommitteeMessage":        func() sszStaticObject { return new(types.SyncCommitteeMessage) },
	"Validator":                   func() sszStaticObject { return new(types.Validator) },
	"VoluntaryExit":               func() sszStaticObject { return new(types.VoluntaryExit) },
	"Withdrawal":                  func() sszStaticObject { return new(types.Withdrawal) },
	"WithdrawalRequest":           func() sszStaticObject { return new(types.WithdrawalRequest) },
}

// runSSZStatic decodes serialized.ssz_snappy into the handler's type, checks that re-encoding gives the same bytes,
// and checks hash_tree_root against roots.yaml (tests/formats/ssz_static).
func runSSZStatic(t *testing.T, c Case) {
	newObject, ok := sszStaticTypes[c.Handler]
	if !ok {
		t.Fatalf("ssz_static type %s has no Go type in package types", c.Handler)
	}
	serialized, err := c.ReadSSZ("serialized")
	if err != nil {
		t.Fatalf("read serialized: %v", err)
	}
	var roots struct {
		Root string `yaml:"root"`
	}
	if err := c.ReadYAML("roots", &roots); err != nil {
		t.Fatalf("read roots: %v", err)
	}
	want, err := hex.DecodeString(strings.TrimPrefix(roots.Root, "0x"))
	if err != nil || len(want) != 32 {
		t.Fatalf("roots.yaml root %q is not a 32-byte hex string", roots.Root)
	}

	obj := newObject()
	if err := types.Unmarshal(serialized, obj); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if size := types.Size(obj); size != uint64(len(serialized)) {
		t.Errorf("size: have %d, want %d", size, len(serialized))
	}
	encoded, err := types.Marshal(obj)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	if !bytes.Equal(encoded, serialized) {
		t.Errorf("re-encoding differs from serialized.ssz_snappy (%d vs %d bytes)", len(encoded), len(serialized))
	}
	if root := obj.HashTreeRoot(); !bytes.Equal(root[:], want) {
		t.Errorf("hash_tree_root: have %#x, want %#x", root, want)
	}
}
