package statecache_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/spectest"
	"github.com/salamander-client/salamander/statecache"
	"github.com/salamander-client/salamander/types"
)

// Every BeaconState of the preset's vectors (ssz_static, and the pre-, mid- and post-states of every runner that has
// them), hashed by the cache and compared with the full root: from a fresh cache, after decoding each later state
// of a case into the same object (so that only what the transition changed is re-hashed), through a copy while the
// original goes its own way, and by one cache that hashes every state of every case in turn (unrelated states, so
// every list grows and shrinks).

// stateFiles are the names, in transition order, under which the vectors store BeaconStates.
var stateFiles = []string{"pre", "pre_epoch", "post_epoch", "post", "anchor_state", "initial_state"}

type vectorCase struct {
	id     string
	states [][]byte // encoded states in transition order
	roots  []primitives.Root
}

// vectorCases loads the vectors' states once for every test of the process.
var vectorCases = sync.OnceValues(loadVectorCases)

func requireVectorCases(t *testing.T) []vectorCase {
	t.Helper()
	cases, err := vectorCases()
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

func loadVectorCases() ([]vectorCase, error) {
	dir, err := spectest.VectorsDir()
	if err != nil {
		return nil, err
	}
	cases, err := spectest.Walk(dir, []string{params.PresetName})
	if err != nil {
		return nil, err
	}
	var out []vectorCase
	for _, c := range cases {
		var names []string
		switch {
		case c.Runner == "ssz_static" && c.Handler == "BeaconState":
			names = []string{"serialized"}
		case strings.Contains(filepath.ToSlash(c.Dir), "/BeaconState/"):
			names = []string{"object"} // merkle proofs of state fields
		default:
			for _, name := range stateFiles {
				if c.Exists(name + ".ssz_snappy") {
					names = append(names, name)
				}
			}
		}
		if len(names) == 0 {
			continue
		}
		vc := vectorCase{id: c.ID()}
		for _, name := range names {
			data, err := c.ReadSSZ(name)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.ID(), err)
			}
			state := new(types.BeaconState)
			if err := types.Unmarshal(data, state); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", c.ID(), name, err)
			}
			vc.states = append(vc.states, data)
			vc.roots = append(vc.roots, ssz.HashSequential(state))
		}
		if c.Runner == "ssz_static" {
			var want struct{ Root string }
			if err := c.ReadYAML("roots", &want); err != nil {
				return nil, fmt.Errorf("%s: %w", c.ID(), err)
			}
			if got := hexRoot(vc.roots[0]); got != want.Root {
				return nil, fmt.Errorf("%s: full root %s, the vector says %s", c.ID(), got, want.Root)
			}
		}
		out = append(out, vc)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no BeaconState in the %s vectors under %s", params.PresetName, dir)
	}
	return out, nil
}

func hexRoot(r primitives.Root) string {
	const digits = "0123456789abcdef"
	out := []byte("0x")
	for _, b := range r {
		out = append(out, digits[b>>4], digits[b&15])
	}
	return string(out)
}

func decode(t *testing.T, data []byte, into *types.BeaconState) *types.BeaconState {
	t.Helper()
	if into == nil {
		into = new(types.BeaconState)
	}
	if err := types.Unmarshal(data, into); err != nil {
		t.Fatal(err)
	}
	return into
}

func TestVectorStates(t *testing.T) {
	t.Parallel()
	cases := requireVectorCases(t)
	var states, transitions int
	for _, vc := range cases {
		states += len(vc.states)
		transitions += len(vc.states) - 1

		// A fresh cache, then each later state decoded into the same object.
		state := decode(t, vc.states[0], nil)
		cache, root, err := statecache.New(state)
		if err != nil {
			t.Fatalf("%s: %v", vc.id, err)
		}
		if root != vc.roots[0] {
			t.Fatalf("%s: state 0: cached root %#x, full root %#x", vc.id, root, vc.roots[0])
		}
		original := cache.Copy()
		for i := 1; i < len(vc.states); i++ {
			decode(t, vc.states[i], state)
			checkRoot(t, cache, state, vc.roots[i], vc.id, i)
		}
		// The copy taken at the first state still hashes it, and diverges along the same path on its own.
		first := decode(t, vc.states[0], nil)
		checkRoot(t, original, first, vc.roots[0], vc.id+" (copy)", 0)
		for i := 1; i < len(vc.states); i++ {
			checkRoot(t, original, decode(t, vc.states[i], nil), vc.roots[i], vc.id+" (copy)", i)
		}
		// Nothing changed: hashing again changes nothing.
		checkRoot(t, cache, state, vc.roots[len(vc.roots)-1], vc.id+" (again)", len(vc.roots)-1)
	}
	t.Logf("%d cases, %d states, %d in-place transitions", len(cases), states, transitions)
}

// TestVectorStatesOneCache hashes every state of the vectors with one cache, in turn: consecutive states are
// unrelated, so lists grow, shrink and empty.
func TestVectorStatesOneCache(t *testing.T) {
	t.Parallel()
	cases := requireVectorCases(t)
	var cache statecache.Cache
	for _, vc := range cases {
		for i, data := range vc.states {
			checkRoot(t, &cache, decode(t, data, nil), vc.roots[i], vc.id, i)
		}
	}
}

func checkRoot(t *testing.T, cache *statecache.Cache, state *types.BeaconState, want primitives.Root, id string, i int) {
	t.Helper()
	got, err := cache.HashTreeRoot(state)
	if err != nil {
		t.Fatalf("%s: state %d: %v", id, i, err)
	}
	if got != want {
		t.Fatalf("%s: state %d: cached root %#x, full root %#x", id, i, got, want)
	}
}
