package spectest

import (
	"slices"
	"testing"

	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
)

func init() { registry.Handle("rewards", "", runRewards) }

// deltas is the rewards format's Deltas container.
type deltas struct {
	Rewards   []primitives.Gwei // List[Gwei, VALIDATOR_REGISTRY_LIMIT]
	Penalties []primitives.Gwei // List[Gwei, VALIDATOR_REGISTRY_LIMIT]
}

func (d *deltas) SizeSSZ(sz *ssz.Sizer, fixed bool) uint32 {
	size := uint32(8)
	if !fixed {
		size += ssz.SizeSliceOfUint64s(sz, d.Rewards) + ssz.SizeSliceOfUint64s(sz, d.Penalties)
	}
	return size
}

func (d *deltas) DefineSSZ(c *ssz.Codec) {
	ssz.DefineSliceOfUint64sOffset(c, &d.Rewards, params.ValidatorRegistryLimit)
	ssz.DefineSliceOfUint64sOffset(c, &d.Penalties, params.ValidatorRegistryLimit)
	ssz.DefineSliceOfUint64sContent(c, &d.Rewards, params.ValidatorRegistryLimit)
	ssz.DefineSliceOfUint64sContent(c, &d.Penalties, params.ValidatorRegistryLimit)
}

// runRewards checks get_flag_index_deltas for each flag and get_inactivity_penalty_deltas against the case's
// deltas files (tests/formats/rewards; Altair on has no inclusion delay deltas).
func runRewards(t *testing.T, c Case) {
	state := transitionReadState(t, c, "pre")
	env := transitionEnv(t)
	for _, check := range []struct {
		file string
		get  func() (rewards, penalties []primitives.Gwei, err error)
	}{
		{"source_deltas", func() ([]primitives.Gwei, []primitives.Gwei, error) {
			return helpers.GetFlagIndexDeltas(env, state, helpers.TimelySourceFlagIndex)
		}},
		{"target_deltas", func() ([]primitives.Gwei, []primitives.Gwei, error) {
			return helpers.GetFlagIndexDeltas(env, state, helpers.TimelyTargetFlagIndex)
		}},
		{"head_deltas", func() ([]primitives.Gwei, []primitives.Gwei, error) {
			return helpers.GetFlagIndexDeltas(env, state, helpers.TimelyHeadFlagIndex)
		}},
		{"inactivity_penalty_deltas", func() ([]primitives.Gwei, []primitives.Gwei, error) {
			return helpers.GetInactivityPenaltyDeltas(env, state)
		}},
	} {
		var want deltas
		readObject(t, c, check.file, &want)
		rewards, penalties, err := check.get()
		if err != nil {
			t.Errorf("%s: %v", check.file, err)
			continue
		}
		if !slices.Equal(rewards, want.Rewards) {
			t.Errorf("%s: rewards differ at %d", check.file, firstDifference(rewards, want.Rewards))
		}
		if !slices.Equal(penalties, want.Penalties) {
			t.Errorf("%s: penalties differ at %d", check.file, firstDifference(penalties, want.Penalties))
		}
	}
}

func firstDifference(a, b []primitives.Gwei) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
