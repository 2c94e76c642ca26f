package spectest

import (
	"context"
	"testing"

	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

func init() { registry.Handle("operations", "", runOperations) }

// operationRun applies one operation, decoded from its input file, to the state.
type operationRun func(ctx context.Context, c Case, env *helpers.Env, state *types.BeaconState, input []byte, verifier helpers.SignatureVerifier) error

// operationHandlers maps each operations handler to its input file and processing call (tests/formats/operations).
var operationHandlers = map[string]struct {
	input string
	run   operationRun
}{
	"attestation":       {"attestation", operation(block.ProcessAttestation)},
	"attester_slashing": {"attester_slashing", operation(block.ProcessAttesterSlashing)},
	"block_header": {"block", operation(func(env *helpers.Env, state *types.BeaconState, b *types.BeaconBlock, _ helpers.SignatureVerifier) error {
		return block.ProcessBlockHeader(env, state, b)
	})},
	"deposit": {"deposit", operation(func(env *helpers.Env, state *types.BeaconState, d *types.Deposit, _ helpers.SignatureVerifier) error {
		return block.ProcessDeposit(env, state, d)
	})},
	"proposer_slashing":       {"proposer_slashing", operation(block.ProcessProposerSlashing)},
	"voluntary_exit":          {"voluntary_exit", operation(block.ProcessVoluntaryExit)},
	"sync_aggregate":          {"sync_aggregate", operation(block.ProcessSyncAggregate)},
	"execution_payload":       {"body", runExecutionPayload},
	"bls_to_execution_change": {"address_change", operation(block.ProcessBLSToExecutionChange)},
	"withdrawals": {"execution_payload", operation(func(_ *helpers.Env, state *types.BeaconState, p *types.ExecutionPayload, _ helpers.SignatureVerifier) error {
		return block.ProcessWithdrawals(state, p)
	})},
	"deposit_request": {"deposit_request", operation(func(_ *helpers.Env, state *types.BeaconState, r *types.DepositRequest, _ helpers.SignatureVerifier) error {
		return block.ProcessDepositRequest(state, r)
	})},
	"withdrawal_request": {"withdrawal_request", operation(func(env *helpers.Env, state *types.BeaconState, r *types.WithdrawalRequest, _ helpers.SignatureVerifier) error {
		return block.ProcessWithdrawalRequest(env, state, r)
	})},
	"consolidation_request": {"consolidation_request", operation(func(env *helpers.Env, state *types.BeaconState, r *types.ConsolidationRequest, _ helpers.SignatureVerifier) error {
		return block.ProcessConsolidationRequest(env, state, r)
	})},
}

// operation adapts a processing function of an operation of type T to an operationRun.
func operation[T any, PT interface {
	*T
	types.Object
}](process func(*helpers.Env, *types.BeaconState, PT, helpers.SignatureVerifier) error) operationRun {
	return func(_ context.Context, _ Case, env *helpers.Env, state *types.BeaconState, input []byte, verifier helpers.SignatureVerifier) error {
		op := PT(new(T))
		if err := types.Unmarshal(input, op); err != nil {
			return err // an undecodable operation is an invalid one
		}
		return process(env, state, op, verifier)
	}
}

// runExecutionPayload calls process_execution_payload with an engine that answers execution.yaml's verdict.
func runExecutionPayload(ctx context.Context, c Case, env *helpers.Env, state *types.BeaconState, input []byte, _ helpers.SignatureVerifier) error {
	var execution struct {
		ExecutionValid bool `yaml:"execution_valid"`
	}
	if err := c.ReadYAML("execution", &execution); err != nil {
		return err
	}
	body := new(types.BeaconBlockBody)
	if err := types.Unmarshal(input, body); err != nil {
		return err
	}
	return block.ProcessExecutionPayload(ctx, env, state, body, vectorEngine{valid: execution.ExecutionValid})
}

// runOperations applies the case's operation to pre and compares with post; without post it must fail and leave
// pre as it was (the operation runs on a copy, as a block's transition does). Signatures are collected in a
// block.SignatureBatch and checked after the operation, as in a block; with bls_setting 2 they are not checked.
func runOperations(t *testing.T, c Case) {
	handler, ok := operationHandlers[c.Handler]
	if !ok {
		t.Fatalf("operations handler %q is unknown", c.Handler)
	}
	input, err := c.ReadSSZ(handler.input)
	if err != nil {
		t.Fatalf("read %s: %v", handler.input, err)
	}
	pre := transitionReadState(t, c, "pre")
	preRoot := pre.HashTreeRoot()

	env := transitionEnv(t)
	state := helpers.CopyState(pre)
	var verifier helpers.SignatureVerifier = helpers.SkipSignatureChecks{}
	batch := block.NewSignatureBatch()
	if readBLSSetting(t, c) != blsIgnored {
		verifier = batch
	}
	err = handler.run(t.Context(), c, env, state, input, verifier)
	if err == nil {
		err = batch.Verify()
	}
	transitionCheckPost(t, c, "post", state, err)
	if !c.Exists("post.ssz_snappy") {
		t.Logf("rejected: %v", err)
	}
	if pre.HashTreeRoot() != preRoot {
		t.Errorf("the operation changed the pre-state it was given a copy of")
	}
}

// vectorEngine is the execution engine of the vectors: its verdict is the case's execution.yaml.
type vectorEngine struct{ valid bool }

func (e vectorEngine) VerifyAndNotifyNewPayload(context.Context, *block.NewPayloadRequest) (bool, error) {
	return e.valid, nil
}

// BLS settings of a case's meta.yaml (tests/formats/README.md).
const (
	blsOptional = 0
	blsRequired = 1
	blsIgnored  = 2
)

// readBLSSetting returns the case's bls_setting, blsOptional if it has none.
func readBLSSetting(t *testing.T, c Case) int {
	t.Helper()
	if !c.Exists("meta.yaml") {
		return blsOptional
	}
	var meta struct {
		BLSSetting int `yaml:"bls_setting"`
	}
	if err := c.ReadYAML("meta", &meta); err != nil {
		t.Fatalf("read meta: %v", err)
	}
	return meta.BLSSetting
}
