package spectest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/transition/block"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// The fork_choice runner (tests/formats/fork_choice) and the sync runner, which reuses its format for optimistic
// sync (tests/formats/sync).
func init() {
	registry.Handle("fork_choice", "", runForkChoice)
	registry.Handle("sync", "", runForkChoice)
}

// fcStep is one entry of steps.yaml. Exactly one of its actions is set, or Checks.
type fcStep struct {
	Tick             *uint64          `yaml:"tick"`
	Block            *string          `yaml:"block"`
	Columns          *[]string        `yaml:"columns"` // absent: no sidecars; empty: not available
	Blobs            *string          `yaml:"blobs"`   // pre-Fulu only
	Proofs           *[]string        `yaml:"proofs"`  // pre-Fulu only
	Attestation      *string          `yaml:"attestation"`
	AttesterSlashing *string          `yaml:"attester_slashing"`
	PowBlock         *string          `yaml:"pow_block"` // Bellatrix's merge only
	BlockHash        *string          `yaml:"block_hash"`
	PayloadStatus    *fcPayloadStatus `yaml:"payload_status"`
	Valid            *bool            `yaml:"valid"`
	Checks           *fcChecks        `yaml:"checks"`
}

// fcStepKeys are the keys fcStep knows; a step with any other key fails the case rather than being half run.
var fcStepKeys = []string{"tick", "block", "columns", "blobs", "proofs", "attestation", "attester_slashing",
	"pow_block", "block_hash", "payload_status", "valid", "checks"}

// fcPayloadStatus is the mocked execution engine's answer for a payload (on_payload_info).
type fcPayloadStatus struct {
	Status          string  `yaml:"status"`
	LatestValidHash *string `yaml:"latest_valid_hash"`
	ValidationError *string `yaml:"validation_error"`
}

type fcCheckpoint struct {
	Epoch uint64 `yaml:"epoch"`
	Root  string `yaml:"root"`
}

type fcChecks struct {
	Head *struct {
		Slot uint64 `yaml:"slot"`
		Root string `yaml:"root"`
	} `yaml:"head"`
	Time                *uint64       `yaml:"time"`
	GenesisTime         *uint64       `yaml:"genesis_time"`
	JustifiedCheckpoint *fcCheckpoint `yaml:"justified_checkpoint"`
	FinalizedCheckpoint *fcCheckpoint `yaml:"finalized_checkpoint"`
	ProposerBoostRoot   *string       `yaml:"proposer_boost_root"`
	GetProposerHead     *string       `yaml:"get_proposer_head"`
	ShouldOverride      *struct {
		ValidatorIsConnected bool `yaml:"validator_is_connected"`
		Result               bool `yaml:"result"`
	} `yaml:"should_override_forkchoice_update"`
	ViableForHead *[]struct {
		Root   string `yaml:"root"`
		Weight uint64 `yaml:"weight"`
	} `yaml:"viable_for_head_roots_and_weights"`
}

var fcCheckKeys = []string{"head", "time", "genesis_time", "justified_checkpoint", "finalized_checkpoint",
	"proposer_boost_root", "get_proposer_head", "should_override_forkchoice_update",
	"viable_for_head_roots_and_weights"}

// fcRun is one case's store and what it needs: the fork-choice Store, the states beside it, the data columns of
// the block being imported, and the execution engine's mocked answers.
type fcRun struct {
	t      *testing.T
	c      Case
	env    *helpers.Env
	store  *forkchoice.Store
	states *forkchoice.StateCache
	opts   transition.Options

	columns  []*types.DataColumnSidecar // retrieve_column_sidecars for the block being imported
	sampled  bool                       // false: the step said the columns are not available
	payloads map[primitives.Hash32]fcPayloadStatus
}

func runForkChoice(t *testing.T, c Case) {
	var steps []fcStep
	if err := c.ReadYAML("steps", &steps); err != nil {
		t.Fatalf("read steps: %v", err)
	}
	var raw []map[string]any
	if err := c.ReadYAML("steps", &raw); err != nil {
		t.Fatalf("read steps: %v", err)
	}
	for i, step := range raw {
		for key, value := range step {
			if !slices.Contains(fcStepKeys, key) {
				t.Fatalf("step %d: unknown key %q", i, key)
			}
			if checks, ok := value.(map[string]any); ok && key == "checks" {
				for check := range checks {
					if !slices.Contains(fcCheckKeys, check) {
						t.Fatalf("step %d: unknown check %q", i, check)
					}
				}
			}
		}
	}

	r := newFCRun(t, c)
	for i, step := range steps {
		if err := r.step(step); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
}

func newFCRun(t *testing.T, c Case) *fcRun {
	state := transitionReadState(t, c, "anchor_state")
	anchorBlock := new(types.BeaconBlock)
	readObject(t, c, "anchor_block", anchorBlock)
	anchor, err := forkchoice.NewAnchor(state, anchorBlock)
	if err != nil {
		t.Fatalf("anchor: %v", err)
	}
	skipSignatures := readBLSSetting(t, c) == blsIgnored
	r := &fcRun{t: t, c: c, env: transitionEnv(t), payloads: map[primitives.Hash32]fcPayloadStatus{}}
	r.opts = transition.Options{Engine: &fcEngine{run: r}, SkipSignatures: skipSignatures}
	r.states = forkchoice.NewStateCache(r.env, anchor, state, forkchoice.StateCacheOptions{SkipSignatures: skipSignatures})
	availability := &forkchoice.ColumnAvailability{
		Spec:                   r.env.Spec,
		RetrieveColumnSidecars: r.retrieveColumnSidecars,
		Verifier:               lazyKZG{},
	}
	r.store, err = forkchoice.NewStore(forkchoice.StoreConfig{Spec: r.env.Spec, Balances: r.states, Availability: availability}, anchor)
	if err != nil {
		t.Fatalf("store: %v", err)
	}
	return r
}

func (r *fcRun) step(step fcStep) error {
	valid := step.Valid == nil || *step.Valid
	var err error
	switch {
	case step.Tick != nil:
		err = r.store.OnTick(*step.Tick)
	case step.Block != nil:
		if step.Blobs != nil || step.Proofs != nil {
			return errors.New("blobs and proofs are pre-Fulu fields")
		}
		return r.onBlock(*step.Block, step.Columns, valid)
	case step.Attestation != nil:
		attestation := new(types.Attestation)
		readObject(r.t, r.c, *step.Attestation, attestation)
		err = r.onAttestation(attestation, false)
	case step.AttesterSlashing != nil:
		slashing := new(types.AttesterSlashing)
		readObject(r.t, r.c, *step.AttesterSlashing, slashing)
		err = r.onAttesterSlashing(slashing)
	case step.BlockHash != nil:
		return r.onPayloadInfo(*step.BlockHash, step.PayloadStatus)
	case step.PowBlock != nil:
		return errors.New("pow_block steps belong to Bellatrix's merge, which a Fulu node never sees")
	case step.Checks != nil:
		return r.check(step.Checks)
	default:
		return errors.New("step with no action")
	}
	return expectValidity(valid, err)
}

// expectValidity compares a step's outcome with its valid flag.
func expectValidity(valid bool, err error) error {
	switch {
	case valid && err != nil:
		return fmt.Errorf("valid step failed: %w", err)
	case !valid && err == nil:
		return errors.New("invalid step succeeded")
	}
	return nil
}

// onBlock runs an on_block step: the state transition on the parent's state, then Store.OnBlock; then, like the
// vectors' generator, on_attestation for each of the block's attestations and on_attester_slashing for each of its
// attester slashings.
func (r *fcRun) onBlock(name string, columns *[]string, valid bool) error {
	signed := new(types.SignedBeaconBlock)
	readObject(r.t, r.c, name, signed)
	r.columns, r.sampled = nil, true
	if columns != nil {
		r.sampled = len(*columns) > 0
		for _, column := range *columns {
			sidecar := new(types.DataColumnSidecar)
			readObject(r.t, r.c, column, sidecar)
			r.columns = append(r.columns, sidecar)
		}
	}
	err := r.importBlock(signed)
	if err := expectValidity(valid, err); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err != nil {
		r.t.Logf("%s rejected: %v", name, err)
		return nil
	}
	for i, attestation := range signed.Message.Body.Attestations {
		if err := r.onAttestation(attestation, true); err != nil {
			return fmt.Errorf("%s: attestation %d: %w", name, i, err)
		}
	}
	for i, slashing := range signed.Message.Body.AttesterSlashings {
		if err := r.onAttesterSlashing(slashing); err != nil {
			return fmt.Errorf("%s: attester slashing %d: %w", name, i, err)
		}
	}
	return nil
}

func (r *fcRun) importBlock(signed *types.SignedBeaconBlock) error {
	blk := signed.Message
	root := types.HashTreeRoot(blk)
	parent, ok := r.states.BlockState(blk.ParentRoot)
	if !ok {
		return fmt.Errorf("parent %#x: %w", blk.ParentRoot, forkchoice.ErrUnknownBlock)
	}
	engine := r.opts.Engine.(*fcEngine)
	engine.verdict = nil
	post, err := transition.StateTransition(context.Background(), r.env, parent, signed, r.opts)
	if err != nil {
		if v := engine.verdict; v != nil && v.Status == "INVALID" {
			lvh, lvhErr := v.latestValidHash()
			if lvhErr != nil {
				return lvhErr
			}
			if _, invErr := r.store.InvalidateAncestors(blk.ParentRoot, lvh); invErr != nil {
				return fmt.Errorf("invalidate: %w (block: %w)", invErr, err)
			}
		}
		return err
	}
	postState, err := forkchoice.PostStateOf(r.env, post)
	if err != nil {
		return err
	}
	status := forkchoice.ExecutionValid
	if v := engine.verdict; v != nil && (v.Status == "SYNCING" || v.Status == "ACCEPTED") {
		status = forkchoice.ExecutionOptimistic
	}
	if err := r.store.OnBlock(&forkchoice.BlockInput{Root: root, Block: blk, Execution: status, PostState: postState}); err != nil {
		return err
	}
	r.states.AddBlockState(root, post)
	return nil
}

func (r *fcRun) retrieveColumnSidecars(primitives.Root, *types.BeaconBlock) ([]*types.DataColumnSidecar, error) {
	if !r.sampled {
		return nil, errors.New("not all required columns have been sampled")
	}
	return r.columns, nil
}

func (r *fcRun) onAttestation(attestation *types.Attestation, isFromBlock bool) error {
	indexed, err := r.states.IndexedAttestation(attestation)
	if err != nil {
		return err
	}
	return r.store.OnAttestation(indexed, isFromBlock)
}

func (r *fcRun) onAttesterSlashing(slashing *types.AttesterSlashing) error {
	if err := r.states.ValidateAttesterSlashing(r.store.JustifiedCheckpoint().Root, slashing); err != nil {
		return err
	}
	return r.store.OnAttesterSlashing(slashing)
}

func (r *fcRun) onPayloadInfo(blockHash string, status *fcPayloadStatus) error {
	if status == nil {
		return errors.New("block_hash without payload_status")
	}
	hash, err := parseRoot(blockHash)
	if err != nil {
		return fmt.Errorf("block_hash: %w", err)
	}
	switch status.Status {
	case "VALID", "INVALID", "SYNCING", "ACCEPTED", "INVALID_BLOCK_HASH":
	default:
		return fmt.Errorf("unknown payload status %q", status.Status)
	}
	r.payloads[hash] = *status
	return nil
}

func (s *fcPayloadStatus) latestValidHash() (*primitives.Hash32, error) {
	if s.LatestValidHash == nil {
		return nil, nil
	}
	h, err := parseRoot(*s.LatestValidHash)
	if err != nil {
		return nil, fmt.Errorf("latest_valid_hash: %w", err)
	}
	hash := primitives.Hash32(h)
	return &hash, nil
}

// fcEngine is the vectors' execution engine: it answers with the payload status on_payload_info set for the
// payload's block hash, VALID for any other, and remembers its last answer.
type fcEngine struct {
	run     *fcRun
	verdict *fcPayloadStatus
}

func (e *fcEngine) VerifyAndNotifyNewPayload(_ context.Context, request *block.NewPayloadRequest) (bool, error) {
	status, ok := e.run.payloads[request.ExecutionPayload.BlockHash]
	if !ok {
		status = fcPayloadStatus{Status: "VALID"}
	}
	e.verdict = &status
	return status.Status != "INVALID" && status.Status != "INVALID_BLOCK_HASH", nil
}

// lazyKZG loads the KZG trusted setup only when a case has columns to verify.
type lazyKZG struct{}

var fcKZG = sync.OnceValues(forkchoice.NewKZGVerifier)

func (lazyKZG) VerifyCellKZGProofBatch(commitments []primitives.KZGCommitment, cellIndices []uint64, cells []*types.Cell, proofs []primitives.KZGProof) error {
	verifier, err := fcKZG()
	if err != nil {
		return err
	}
	return verifier.VerifyCellKZGProofBatch(commitments, cellIndices, cells, proofs)
}

func (r *fcRun) check(checks *fcChecks) error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	head, err := r.store.GetHead()
	if err != nil {
		return fmt.Errorf("get_head: %w", err)
	}
	if want := checks.Head; want != nil {
		info, _ := r.store.Block(head)
		if wantRoot := fcRoot(r.t, want.Root); head != wantRoot || uint64(info.Slot) != want.Slot {
			fail("head: have slot %d %#x, want slot %d %#x", info.Slot, head, want.Slot, wantRoot)
		}
	}
	if want := checks.Time; want != nil && r.store.Time() != *want {
		fail("time: have %d, want %d", r.store.Time(), *want)
	}
	if want := checks.GenesisTime; want != nil && r.store.GenesisTime() != *want {
		fail("genesis_time: have %d, want %d", r.store.GenesisTime(), *want)
	}
	checkpoint := func(name string, have types.Checkpoint, want *fcCheckpoint) {
		if want == nil {
			return
		}
		if w := (types.Checkpoint{Epoch: primitives.Epoch(want.Epoch), Root: fcRoot(r.t, want.Root)}); have != w {
			fail("%s: have %d/%#x, want %d/%#x", name, have.Epoch, have.Root, w.Epoch, w.Root)
		}
	}
	checkpoint("justified_checkpoint", r.store.JustifiedCheckpoint(), checks.JustifiedCheckpoint)
	checkpoint("finalized_checkpoint", r.store.FinalizedCheckpoint(), checks.FinalizedCheckpoint)
	if want := checks.ProposerBoostRoot; want != nil {
		if have, w := r.store.ProposerBoostRoot(), fcRoot(r.t, *want); have != w {
			fail("proposer_boost_root: have %#x, want %#x", have, w)
		}
	}
	if want := checks.GetProposerHead; want != nil {
		have, err := r.store.GetProposerHead(head, r.store.GetCurrentSlot())
		if w := fcRoot(r.t, *want); err != nil || have != w {
			fail("get_proposer_head: have %#x (%v), want %#x", have, err, w)
		}
	}
	if want := checks.ShouldOverride; want != nil {
		connected := func(parentRoot primitives.Root, slot primitives.Slot) (bool, error) {
			_, err := r.states.ProposerIndex(parentRoot, slot)
			return want.ValidatorIsConnected, err
		}
		have, err := r.store.ShouldOverrideForkchoiceUpdate(head, connected)
		if err != nil || have != want.Result {
			fail("should_override_forkchoice_update: have %v (%v), want %v", have, err, want.Result)
		}
	}
	if want := checks.ViableForHead; want != nil {
		have, err := r.store.ViableForHead()
		if err != nil {
			return fmt.Errorf("viable_for_head_roots_and_weights: %w", err)
		}
		wantSet := map[primitives.Root]uint64{}
		for _, w := range *want {
			wantSet[fcRoot(r.t, w.Root)] = w.Weight
		}
		haveSet := map[primitives.Root]uint64{}
		for _, h := range have {
			haveSet[h.Root] = uint64(h.Weight)
		}
		if !maps.Equal(haveSet, wantSet) {
			fail("viable_for_head_roots_and_weights: have %v, want %v", haveSet, wantSet)
		}
	}
	return errors.Join(errs...)
}

func fcRoot(t *testing.T, s string) primitives.Root {
	t.Helper()
	root, err := parseRoot(s)
	if err != nil {
		t.Fatalf("root %q: %v", s, err)
	}
	return root
}
