package chaincheck

import (
	"context"
	"testing"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// syncPositions maps each validator to its positions in the genesis state's sync committee of slot 1.
func (w *world) syncPositions(t testing.TB) map[primitives.ValidatorIndex][]int {
	t.Helper()
	committee, err := syncCommitteeFor(w.state, 1)
	if err != nil {
		t.Fatal(err)
	}
	out := map[primitives.ValidatorIndex][]int{}
	for i, pk := range committee.Pubkeys {
		index, ok := helpers.ValidatorIndexByPubkey(w.env, w.state, pk)
		if !ok {
			t.Fatalf("sync committee member %d is no validator", i)
		}
		out[index] = append(out[index], i)
	}
	return out
}

func (w *world) syncMessage(index primitives.ValidatorIndex, slot primitives.Slot, root primitives.Root) *types.SyncCommitteeMessage {
	dom := helpers.GetDomain(w.state, params.DomainSyncCommittee, helpers.ComputeEpochAtSlot(slot))
	return &types.SyncCommitteeMessage{Slot: slot, BeaconBlockRoot: root, ValidatorIndex: index, Signature: w.sign(index, root, dom)}
}

func TestValidateSyncCommitteeMessage(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	positions := w.syncPositions(t)
	root := primitives.Root{0x21}
	var member primitives.ValidatorIndex
	for member = range positions {
		break
	}
	subnet := uint64(positions[member][0] / syncSubcommitteeSize)

	t.Run("accept", func(t *testing.T) {
		wantOutcome(t, w.checker.ValidateSyncCommitteeMessage(ctx, w.syncMessage(member, 1, root), subnet), gossip.Accept, nil)
	})
	t.Run("bad signature", func(t *testing.T) {
		m := w.syncMessage(member, 1, root)
		m.BeaconBlockRoot = primitives.Root{0x22}
		wantOutcome(t, w.checker.ValidateSyncCommitteeMessage(ctx, m, subnet), gossip.Reject, ErrBadSignature)
	})
	t.Run("wrong subnet", func(t *testing.T) {
		for v, ps := range positions {
			on := map[uint64]bool{}
			for _, p := range ps {
				on[uint64(p/syncSubcommitteeSize)] = true
			}
			for s := range uint64(types.SyncCommitteeSubnetCount) {
				if !on[s] {
					wantOutcome(t, w.checker.ValidateSyncCommitteeMessage(ctx, w.syncMessage(v, 1, root), s), gossip.Reject, ErrWrongSubnet)
					return
				}
			}
		}
		t.Skip("every validator has a position on every subnet")
	})
	t.Run("not in the committee", func(t *testing.T) {
		for v := range primitives.ValidatorIndex(testValidators) {
			if _, in := positions[v]; !in {
				wantOutcome(t, w.checker.ValidateSyncCommitteeMessage(ctx, w.syncMessage(v, 1, root), 0), gossip.Reject, ErrNotInCommittee)
				return
			}
		}
		t.Skip("every validator is in the sync committee")
	})
	t.Run("too far ahead of the head state", func(t *testing.T) {
		slot := helpers.ComputeStartSlotAtEpoch(2 * params.EpochsPerSyncCommitteePeriod)
		wantOutcome(t, w.checker.ValidateSyncCommitteeMessage(ctx, w.syncMessage(member, slot, root), subnet), gossip.Ignore, ErrNoState)
	})
}

// contribution returns a signed contribution of subcommittee 0 at slot 1 by aggregator, with the first two
// positions participating.
func (w *world) contribution(t testing.TB, aggregator primitives.ValidatorIndex, root primitives.Root) *types.SignedContributionAndProof {
	t.Helper()
	committee, err := syncCommitteeFor(w.state, 1)
	if err != nil {
		t.Fatal(err)
	}
	con := &types.SyncCommitteeContribution{Slot: 1, BeaconBlockRoot: root, SubcommitteeIndex: 0}
	var sigs []*bls.Signature
	for i := range 2 {
		con.AggregationBits[0] |= 1 << i
		index, _ := helpers.ValidatorIndexByPubkey(w.env, w.state, committee.Pubkeys[i])
		b := w.syncMessage(index, 1, root).Signature
		s, err := bls.SignatureFromBytes(b[:])
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, s)
	}
	agg, err := bls.AggregateSignatures(sigs)
	if err != nil {
		t.Fatal(err)
	}
	con.Signature = agg.Bytes()
	return w.signContribution(aggregator, con)
}

func (w *world) signContribution(aggregator primitives.ValidatorIndex, con *types.SyncCommitteeContribution) *types.SignedContributionAndProof {
	epoch := helpers.ComputeEpochAtSlot(con.Slot)
	sel := &types.SyncAggregatorSelectionData{Slot: con.Slot, SubcommitteeIndex: con.SubcommitteeIndex}
	m := &types.ContributionAndProof{AggregatorIndex: aggregator, Contribution: con,
		SelectionProof: w.sign(aggregator, types.HashTreeRoot(sel), helpers.GetDomain(w.state, params.DomainSyncCommitteeSelectionProof, epoch))}
	return &types.SignedContributionAndProof{Message: m,
		Signature: w.sign(aggregator, types.HashTreeRoot(m), helpers.GetDomain(w.state, params.DomainContributionAndProof, epoch))}
}

func TestValidateContributionAndProof(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	root := primitives.Root{0x23}
	positions := w.syncPositions(t)
	var aggregator, notSelected, outsider = primitives.ValidatorIndex(testValidators), primitives.ValidatorIndex(testValidators), primitives.ValidatorIndex(testValidators)
	for v, ps := range positions {
		if ps[0] >= syncSubcommitteeSize {
			continue
		}
		if IsSyncCommitteeAggregator(w.contribution(t, v, root).Message.SelectionProof) {
			aggregator = v
		} else {
			notSelected = v
		}
	}
	for v := range primitives.ValidatorIndex(testValidators) {
		in := false
		for _, p := range positions[v] {
			in = in || p < syncSubcommitteeSize
		}
		if !in && IsSyncCommitteeAggregator(w.contribution(t, v, root).Message.SelectionProof) {
			outsider = v
			break
		}
	}
	if aggregator == testValidators {
		t.Fatal("no aggregator in subcommittee 0")
	}

	t.Run("accept", func(t *testing.T) {
		wantOutcome(t, w.checker.ValidateContributionAndProof(ctx, w.contribution(t, aggregator, root)), gossip.Accept, nil)
	})
	t.Run("bad aggregate signature", func(t *testing.T) {
		s := w.contribution(t, aggregator, root)
		con := *s.Message.Contribution
		con.BeaconBlockRoot = primitives.Root{0x24}
		wantOutcome(t, w.checker.ValidateContributionAndProof(ctx, w.signContribution(aggregator, &con)), gossip.Reject, ErrBadSignature)
	})
	t.Run("not selected", func(t *testing.T) {
		if notSelected == testValidators {
			t.Skip("every proof selects with this preset's subcommittee size")
		}
		wantOutcome(t, w.checker.ValidateContributionAndProof(ctx, w.contribution(t, notSelected, root)), gossip.Reject, ErrNotAggregator)
	})
	t.Run("aggregator outside the subcommittee", func(t *testing.T) {
		if outsider == testValidators {
			t.Skip("no selected validator outside subcommittee 0")
		}
		wantOutcome(t, w.checker.ValidateContributionAndProof(ctx, w.contribution(t, outsider, root)), gossip.Reject, ErrNotInCommittee)
	})
	t.Run("ssz", func(t *testing.T) {
		encoded, err := types.Marshal(w.contribution(t, aggregator, root))
		if err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, w.checker.Validate(ctx, gossip.SyncCommitteeContributionAndProof, 0, encoded), gossip.Accept, nil)
	})
}
