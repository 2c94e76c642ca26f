package validator_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/engineapi"
	"github.com/salamander-client/salamander/genesis"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
	"github.com/salamander-client/salamander/validator"
	"github.com/salamander-client/salamander/validator/slashingprotection"
)

const devnetGenesisTime = 1_700_000_000

// devnetSpec is the compiled preset's config with every fork at genesis, as `salamander dev` runs it.
func devnetSpec(t testing.TB) *params.Spec {
	t.Helper()
	cfg := params.MainnetConfig()
	if params.PresetName == "minimal" {
		cfg = params.MinimalConfig()
	}
	cfg = cfg.Clone()
	for fork := range cfg.Forks {
		cfg.Forks[fork].Epoch = params.GenesisEpoch
	}
	spec, err := params.NewSpec(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// linearChain is a chain without forks: every block imported extends the head, after the full state transition
// (every signature, the state root, the mock engine's verdict on the payload).
type linearChain struct {
	env    *helpers.Env
	engine *engineapi.MockEngine

	mu       sync.Mutex
	headRoot primitives.Root
	head     *types.BeaconState
	blocks   []*types.SignedBeaconBlock
}

func (c *linearChain) Head(context.Context) (primitives.Root, *types.BeaconState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.headRoot, c.head, nil
}

func (c *linearChain) ImportBlock(ctx context.Context, signed *types.SignedBeaconBlock) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if signed.Message.ParentRoot != c.headRoot {
		return fmt.Errorf("block at slot %d does not extend the head", signed.Message.Slot)
	}
	post, err := transition.StateTransition(ctx, c.env, c.head, signed, transition.Options{Engine: c.engine})
	if err != nil {
		return err
	}
	// The execution chain follows the beacon chain's head, as fork choice would tell it.
	if _, err := c.engine.ForkchoiceUpdated(ctx, engineapi.ForkchoiceState{HeadBlockHash: signed.Message.Body.ExecutionPayload.BlockHash}, nil); err != nil {
		return err
	}
	c.headRoot, c.head = types.HashTreeRoot(signed.Message), post
	c.blocks = append(c.blocks, signed)
	return nil
}

// devnet is a whole in-process devnet: the interop genesis, the mock engine, one node holding every validator.
type devnet struct {
	env    *helpers.Env
	chain  *linearChain
	node   *validator.LocalBeaconNode
	client *validator.Client
	signer *validator.Signer
	db     *slashingprotection.DB
}

func newDevnet(t testing.TB, validators uint64) *devnet {
	t.Helper()
	env := helpers.NewEnv(devnetSpec(t), helpers.NewCaches())
	elGenesis := engineapi.MockGenesisHeader(engineapi.MockConfig{GenesisTime: devnetGenesisTime})
	state, err := genesis.InteropState(env, genesis.Options{GenesisTime: devnetGenesisTime, ValidatorCount: validators, ExecutionHeader: elGenesis})
	if err != nil {
		t.Fatal(err)
	}
	engine, err := engineapi.NewMockEngine(elGenesis)
	if err != nil {
		t.Fatal(err)
	}
	header := *state.LatestBlockHeader
	header.StateRoot = types.HashTreeRoot(state)
	chain := &linearChain{env: env, engine: engine, headRoot: types.HashTreeRoot(&header), head: state}

	db, err := slashingprotection.Open(filepath.Join(t.TempDir(), slashingprotection.FileName), slashingprotection.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	keys, err := bls.InteropSecretKeys(validators)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := validator.NewSigner(env.Spec, state.GenesisValidatorsRoot, db, keys)
	if err != nil {
		t.Fatal(err)
	}
	node := validator.NewLocalBeaconNode(env, chain, validator.NewOperationPool(0), engine, engine, nil)
	var graffiti [32]byte
	copy(graffiti[:], "salamander devnet test")
	client := validator.NewClient(signer, node, validator.ClientConfig{Graffiti: graffiti, FeeRecipient: primitives.ExecutionAddress{0xfe}})
	return &devnet{env: env, chain: chain, node: node, client: client, signer: signer, db: db}
}

// runSlot performs every duty of slot, in the order the slot's intervals bring them.
func (d *devnet) runSlot(t testing.TB, ctx context.Context, slot primitives.Slot) (proposal, attestation, aggregation validator.Report) {
	t.Helper()
	if slot > 0 {
		proposal = d.client.ProposeBlock(ctx, slot)
	}
	attestation = d.client.Attest(ctx, slot)
	aggregation = d.client.Aggregate(ctx, slot)
	for _, r := range []validator.Report{proposal, attestation, aggregation} {
		if err := r.Err(); err != nil {
			t.Fatalf("slot %d: %v", slot, err)
		}
	}
	return proposal, attestation, aggregation
}

// TestDevnetFinalizes runs a devnet of 64 interop validators from genesis: every slot gets its block, every
// validator attests, the sync committee signs every block, and the chain justifies and finalizes.
func TestDevnetFinalizes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet for several epochs")
	}
	ctx := context.Background()
	d := newDevnet(t, genesis.DefaultValidatorCount)
	epochs := primitives.Slot(5)
	if params.PresetName == "mainnet" {
		// 32 slots an epoch and 512 sync committee seats among 64 validators make a slot cost hundreds of
		// signatures: four epochs justify; the minimal preset's run checks finality.
		epochs = 4
	}
	last := epochs*params.SlotsPerEpoch - 1
	attested, aggregated := 0, 0
	for slot := primitives.Slot(0); slot <= last; slot++ {
		proposal, attestation, aggregation := d.runSlot(t, ctx, slot)
		if slot > 0 && proposal.Proposed != 1 {
			t.Fatalf("slot %d: %d blocks proposed", slot, proposal.Proposed)
		}
		if attestation.SyncMessages == 0 {
			t.Fatalf("slot %d: no sync committee message", slot)
		}
		attested += attestation.Attested
		aggregated += aggregation.Aggregated
	}
	if want := int(epochs) * genesis.DefaultValidatorCount; attested != want {
		t.Fatalf("%d attestations, want one per validator per epoch: %d", attested, want)
	}
	if aggregated == 0 {
		t.Fatal("no aggregate was published")
	}

	_, head, _ := d.chain.Head(ctx)
	if head.Slot != last {
		t.Fatalf("head at slot %d, want %d", head.Slot, last)
	}
	for _, b := range d.chain.blocks[1:] {
		bits := 0
		for _, x := range b.Message.Body.SyncAggregate.SyncCommitteeBits {
			for ; x != 0; x &= x - 1 {
				bits++
			}
		}
		if bits != params.SyncCommitteeSize {
			t.Fatalf("block at slot %d: %d of %d sync committee bits", b.Message.Slot, bits, params.SyncCommitteeSize)
		}
		if len(b.Message.Body.Attestations) == 0 {
			t.Fatalf("block at slot %d carries no attestation", b.Message.Slot)
		}
	}
	// Everyone attested on time to the right target: the chain justified the epoch before the current one and,
	// once the first justification (at the end of epoch 2) has a successor, finalized the one before.
	current := helpers.GetCurrentEpoch(head)
	wantFinalized := primitives.Epoch(0)
	if current >= 4 {
		wantFinalized = current - 2
	}
	if head.CurrentJustifiedCheckpoint.Epoch != current-1 || head.FinalizedCheckpoint.Epoch != wantFinalized {
		t.Fatalf("justified %d finalized %d at epoch %d", head.CurrentJustifiedCheckpoint.Epoch, head.FinalizedCheckpoint.Epoch, current)
	}
	// The execution chain grew with the beacon chain, and rewards above 32 ETH were swept to the validators'
	// withdrawal addresses.
	if number := head.LatestExecutionPayloadHeader.BlockNumber; number != uint64(last) {
		t.Fatalf("execution block number %d, want %d", number, last)
	}
	withdrawals := 0
	for _, b := range d.chain.blocks {
		for _, w := range b.Message.Body.ExecutionPayload.Withdrawals {
			if w.Address != genesis.InteropWithdrawalAddress(head.Validators[w.ValidatorIndex].Pubkey) || w.Amount == 0 {
				t.Fatalf("withdrawal %+v", w)
			}
			withdrawals++
		}
	}
	if withdrawals == 0 {
		t.Fatal("no rewards were withdrawn")
	}
}

// TestDoubleProposalRefused replays a proposal: the signer refuses to sign a second, different block at the slot.
func TestDoubleProposalRefused(t *testing.T) {
	ctx := context.Background()
	d := newDevnet(t, genesis.DefaultValidatorCount)
	d.runSlot(t, ctx, 0)
	d.runSlot(t, ctx, 1)
	first := d.chain.blocks[0].Message
	pubkey := d.chain.head.Validators[first.ProposerIndex].Pubkey

	other := *first
	other.Body = &types.BeaconBlockBody{}
	*other.Body = *first.Body
	other.Body.Graffiti = [32]byte{'x'}
	_, err := d.signer.GetBlockSignature(pubkey, &other)
	if !errors.Is(err, slashingprotection.ErrDoubleProposal) {
		t.Fatalf("signing a second block at slot %d: %v", first.Slot, err)
	}
	if _, err := d.signer.GetBlockSignature(pubkey, first); err != nil {
		t.Fatalf("signing the same block again: %v", err)
	}
	// The client asked again for slot 1 proposes nothing new: its block is the head's parent now.
	report := d.client.ProposeBlock(ctx, 1)
	if report.Proposed != 0 || report.Err() == nil {
		t.Fatalf("a second proposal at slot 1: %+v", report)
	}
}

// TestDoubleVoteRefused asks the client to attest twice in a slot after the head moved: the second attestation
// data differs and slashing protection refuses every signature.
func TestDoubleVoteRefused(t *testing.T) {
	ctx := context.Background()
	d := newDevnet(t, genesis.DefaultValidatorCount)
	d.runSlot(t, ctx, 0)
	first := d.client.Attest(ctx, 1) // before slot 1's block: attests to genesis
	if first.Err() != nil || first.Attested == 0 {
		t.Fatalf("first attestation: %+v", first)
	}
	if r := d.client.ProposeBlock(ctx, 1); r.Proposed != 1 {
		t.Fatalf("proposal: %+v", r)
	}
	second := d.client.Attest(ctx, 1) // the head moved to slot 1's block: other data, same target epoch
	if second.Attested != 0 || second.Refused != first.Attested {
		t.Fatalf("second attestation: attested %d, refused %d of %d", second.Attested, second.Refused, first.Attested)
	}
	for _, err := range second.Errors {
		if !errors.Is(err, slashingprotection.ErrDoubleVote) && !errors.Is(err, slashingprotection.ErrSlashable) {
			t.Fatalf("unexpected error: %v", err)
		}
	}
}

func BenchmarkDevnetSlot(b *testing.B) {
	ctx := context.Background()
	d := newDevnet(b, genesis.DefaultValidatorCount)
	d.runSlot(b, ctx, 0)
	slot := primitives.Slot(1)
	for b.Loop() {
		d.runSlot(b, ctx, slot)
		slot++
	}
}
