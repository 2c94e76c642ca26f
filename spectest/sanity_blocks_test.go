package spectest

import (
	"fmt"
	"testing"

	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/types"
)

func init() { registry.Handle("sanity", "blocks", runBlocks) }

// runBlocks applies the case's blocks_<i> in order with the full state_transition and compares the result with
// post (tests/formats/sanity/blocks.md; finality and random cases have the same format). Without post, some block
// must be rejected, and the state it was applied to must come back unchanged.
func runBlocks(t *testing.T, c Case) {
	var meta struct {
		BlocksCount int `yaml:"blocks_count"`
		BLSSetting  int `yaml:"bls_setting"`
	}
	if err := c.ReadYAML("meta", &meta); err != nil {
		t.Fatalf("read meta: %v", err)
	}
	invalidCase := !c.Exists("post.ssz_snappy")
	env := transitionEnv(t)
	// No vector of these runners has an execution.yaml: their payloads are valid.
	opts := transition.Options{Engine: vectorEngine{valid: true}, SkipSignatures: meta.BLSSetting == blsIgnored}

	state := transitionReadState(t, c, "pre")
	var err error
	for i := range meta.BlocksCount {
		name := fmt.Sprintf("blocks_%d", i)
		raw, readErr := c.ReadSSZ(name)
		if readErr != nil {
			t.Fatalf("read %s: %v", name, readErr)
		}
		signed := new(types.SignedBeaconBlock)
		if err = types.Unmarshal(raw, signed); err != nil {
			err = fmt.Errorf("%s: %w", name, err)
			break
		}
		var before [32]byte
		if invalidCase {
			before = state.HashTreeRoot()
		}
		var post *types.BeaconState
		post, err = transition.StateTransition(t.Context(), env, state, signed, opts)
		if err != nil {
			err = fmt.Errorf("%s: %w", name, err)
			if invalidCase && state.HashTreeRoot() != before {
				t.Errorf("%s was rejected, but the state it was applied to changed", name)
			}
			break
		}
		if post == state {
			t.Fatalf("%s: StateTransition returned the state it was given", name)
		}
		state = post
	}
	if invalidCase && err != nil {
		t.Logf("rejected: %v", err)
	}
	transitionCheckPost(t, c, "post", state, err)
}
