package types_test

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// The ssz_static runner (spectest) proves every container against the vectors' roots. The mainnet release of the
// shared vectors carries no ssz_static suite yet, so these tests prove the mainnet-shaped types (and, in a minimal
// build, the minimal ones again) against the objects the operations vectors hold: every object must decode and
// re-encode to the same bytes, and the roots the spec's own state transition recorded in the post-states must match
// the roots we compute.

// operationObjects maps each operations handler's object file to its type.
var operationObjects = map[string]struct {
	file      string
	newObject func() types.Object
}{
	"attestation":             {"attestation", func() types.Object { return new(types.Attestation) }},
	"attester_slashing":       {"attester_slashing", func() types.Object { return new(types.AttesterSlashing) }},
	"block_header":            {"block", func() types.Object { return new(types.BeaconBlock) }},
	"bls_to_execution_change": {"address_change", func() types.Object { return new(types.SignedBLSToExecutionChange) }},
	"consolidation_request":   {"consolidation_request", func() types.Object { return new(types.ConsolidationRequest) }},
	"deposit":                 {"deposit", func() types.Object { return new(types.Deposit) }},
	"deposit_request":         {"deposit_request", func() types.Object { return new(types.DepositRequest) }},
	"execution_payload":       {"body", func() types.Object { return new(types.BeaconBlockBody) }},
	"proposer_slashing":       {"proposer_slashing", func() types.Object { return new(types.ProposerSlashing) }},
	"sync_aggregate":          {"sync_aggregate", func() types.Object { return new(types.SyncAggregate) }},
	"voluntary_exit":          {"voluntary_exit", func() types.Object { return new(types.SignedVoluntaryExit) }},
	"withdrawal_request":      {"withdrawal_request", func() types.Object { return new(types.WithdrawalRequest) }},
	"withdrawals":             {"execution_payload", func() types.Object { return new(types.ExecutionPayload) }},
}

func requireOperationVectors(t *testing.T) string {
	t.Helper()
	dir := presetVectors(t)
	if dir == "" {
		t.Skip("consensus-spec-tests not unpacked: run `go run ./internal/tools/vectors` at the repository root")
	}
	return filepath.Join(dir, "operations")
}

func TestOperationVectorsRoundTrip(t *testing.T) {
	dir := requireOperationVectors(t)
	handlers, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range handlers {
		op, ok := operationObjects[h.Name()]
		if !ok {
			t.Errorf("operations handler %s has no object type here", h.Name())
			continue
		}
		t.Run(h.Name(), func(t *testing.T) {
			cases, _ := filepath.Glob(filepath.Join(dir, h.Name(), "*", "*"))
			if len(cases) == 0 {
				t.Fatal("no cases")
			}
			for _, c := range cases {
				roundTrip(t, filepath.Join(c, op.file+".ssz_snappy"), op.newObject())
				for _, state := range []string{"pre", "post"} {
					path := filepath.Join(c, state+".ssz_snappy")
					if _, err := os.Stat(path); err == nil {
						roundTrip(t, path, new(types.BeaconState))
					}
				}
			}
		})
	}
}

func roundTrip(t *testing.T, path string, obj types.Object) {
	t.Helper()
	raw := readSnappy(t, path)
	if err := types.Unmarshal(raw, obj); err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	encoded, err := types.Marshal(obj)
	if err != nil {
		t.Errorf("%s: re-encode: %v", path, err)
		return
	}
	if !bytes.Equal(encoded, raw) {
		t.Errorf("%s: re-encoding differs", path)
	}
}

func decodeFile[T any, PT interface {
	*T
	types.Object
}](t *testing.T, path string) PT {
	t.Helper()
	obj := PT(new(T))
	if err := types.Unmarshal(readSnappy(t, path), obj); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return obj
}

// validCases returns the cases of an operations handler that the spec accepted (they have a post-state).
func validCases(t *testing.T, handler string) []string {
	t.Helper()
	posts, _ := filepath.Glob(filepath.Join(requireOperationVectors(t), handler, "*", "*", "post.ssz_snappy"))
	if len(posts) == 0 {
		t.Fatalf("no valid %s cases", handler)
	}
	cases := make([]string, len(posts))
	for i, p := range posts {
		cases[i] = filepath.Dir(p)
	}
	return cases
}

// TestBlockHeaderVectorRoots checks BeaconBlockHeader and BeaconBlockBody roots: process_block_header accepted the
// block only if its parent_root is the root of the pre-state's latest header, and it recorded the root of the body.
func TestBlockHeaderVectorRoots(t *testing.T) {
	for _, c := range validCases(t, "block_header") {
		block := decodeFile[types.BeaconBlock](t, filepath.Join(c, "block.ssz_snappy"))
		pre := decodeFile[types.BeaconState](t, filepath.Join(c, "pre.ssz_snappy"))
		post := decodeFile[types.BeaconState](t, filepath.Join(c, "post.ssz_snappy"))

		if root := pre.LatestBlockHeader.HashTreeRoot(); root != block.ParentRoot {
			t.Errorf("%s: root of the pre-state's latest header %#x, block's parent %#x", c, root, block.ParentRoot)
		}
		if root := block.Body.HashTreeRoot(); root != post.LatestBlockHeader.BodyRoot {
			t.Errorf("%s: body root %#x, recorded %#x", c, root, post.LatestBlockHeader.BodyRoot)
		}
	}
}

// TestExecutionPayloadVectorRoots checks the transactions and withdrawals list roots (mainnet limits in a mainnet
// build) against the header process_execution_payload recorded.
func TestExecutionPayloadVectorRoots(t *testing.T) {
	for _, c := range validCases(t, "execution_payload") {
		body := decodeFile[types.BeaconBlockBody](t, filepath.Join(c, "body.ssz_snappy"))
		post := decodeFile[types.BeaconState](t, filepath.Join(c, "post.ssz_snappy"))

		have, want := body.ExecutionPayload.Header(), post.LatestExecutionPayloadHeader
		if have.TransactionsRoot != want.TransactionsRoot {
			t.Errorf("%s: transactions root %#x, recorded %#x", c, have.TransactionsRoot, want.TransactionsRoot)
		}
		if have.WithdrawalsRoot != want.WithdrawalsRoot {
			t.Errorf("%s: withdrawals root %#x, recorded %#x", c, have.WithdrawalsRoot, want.WithdrawalsRoot)
		}
		if have.HashTreeRoot() != want.HashTreeRoot() {
			t.Errorf("%s: header root differs from the recorded header's", c)
		}
	}
}

// TestDepositVectorRoots checks DepositData roots: process_deposit accepted each deposit only if its proof leads
// from hash_tree_root(deposit.data) to the state's deposit root.
func TestDepositVectorRoots(t *testing.T) {
	for _, c := range validCases(t, "deposit") {
		deposit := decodeFile[types.Deposit](t, filepath.Join(c, "deposit.ssz_snappy"))
		pre := decodeFile[types.BeaconState](t, filepath.Join(c, "pre.ssz_snappy"))

		leaf := deposit.Data.HashTreeRoot()
		if !validMerkleBranch(leaf, deposit.Proof[:], pre.Eth1DepositIndex, pre.Eth1Data.DepositRoot) {
			t.Errorf("%s: deposit proof does not lead from the data root %#x to the deposit root", c, leaf)
		}
	}
}

// validMerkleBranch is the spec's is_valid_merkle_branch.
func validMerkleBranch(leaf [32]byte, branch []primitives.Bytes32, index uint64, root primitives.Root) bool {
	value := leaf
	var buf [64]byte
	for i, sibling := range branch {
		if index>>i&1 == 1 {
			copy(buf[:32], sibling[:])
			copy(buf[32:], value[:])
		} else {
			copy(buf[:32], value[:])
			copy(buf[32:], sibling[:])
		}
		value = sha256.Sum256(buf[:])
	}
	return value == root
}
