package forkchoice

import (
	"testing"

	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/transition/helpers/helperstest"
)

// PostStateOf pulls the tip up on a copy: the state it reads is left as it was.
func TestPostStateOfLeavesTheStateAlone(t *testing.T) {
	spec := testSpec(t)
	env := helpers.NewEnv(spec, helpers.NewCaches())
	state := helperstest.NewState(spec, helperstest.Options{Validators: 512, Epoch: helperstest.MinEpoch, Seed: 3})
	before := state.HashTreeRoot()
	post, err := PostStateOf(env, state)
	if err != nil {
		t.Fatal(err)
	}
	if state.HashTreeRoot() != before {
		t.Fatal("PostStateOf modified the state")
	}
	if post.Justified != *state.CurrentJustifiedCheckpoint || post.Finalized != *state.FinalizedCheckpoint {
		t.Errorf("realized checkpoints %+v, state has %+v and %+v", post, state.CurrentJustifiedCheckpoint, state.FinalizedCheckpoint)
	}
	if post.UnrealizedJustified.Epoch < post.Justified.Epoch || post.UnrealizedFinalized.Epoch < post.Finalized.Epoch {
		t.Errorf("pulled-up tip %+v went back", post)
	}

	balances, err := BalancesOf(env, post.Justified, state)
	if err != nil {
		t.Fatal(err)
	}
	total, _ := helpers.GetTotalActiveBalance(env, state)
	var sum uint64
	epoch := helpers.GetCurrentEpoch(state)
	for i, v := range state.Validators {
		want := v.EffectiveBalance
		if !helpers.IsActiveValidator(v, epoch) || v.Slashed {
			want = 0
		}
		if balances.Effective[i] != want {
			t.Fatalf("validator %d counts %d, want %d", i, balances.Effective[i], want)
		}
		sum += uint64(want)
	}
	if balances.TotalActive != total || uint64(total) < sum {
		t.Errorf("total active %d, want %d (unslashed active sum %d)", balances.TotalActive, total, sum)
	}
}
