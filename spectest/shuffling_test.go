package spectest

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
)

func init() { registry.Handle("shuffling", "", runShuffling) }

// runShuffling checks compute_shuffled_index index by index and the whole-list shuffle in one go against
// mapping.yaml (tests/formats/shuffling): mapping[i] = compute_shuffled_index(i, count, seed).
func runShuffling(t *testing.T, c Case) {
	var mapping struct {
		Seed    string   `yaml:"seed"`
		Count   uint64   `yaml:"count"`
		Mapping []uint64 `yaml:"mapping"`
	}
	if err := c.ReadYAML("mapping", &mapping); err != nil {
		t.Fatalf("read mapping: %v", err)
	}
	raw, err := hex.DecodeString(strings.TrimPrefix(mapping.Seed, "0x"))
	if err != nil || len(raw) != 32 {
		t.Fatalf("seed %q is not 32 hex bytes", mapping.Seed)
	}
	seed := primitives.Bytes32(raw)
	if uint64(len(mapping.Mapping)) != mapping.Count {
		t.Fatalf("mapping has %d entries for count %d", len(mapping.Mapping), mapping.Count)
	}

	for i, want := range mapping.Mapping {
		have, err := helpers.ComputeShuffledIndex(uint64(i), mapping.Count, seed)
		if err != nil {
			t.Fatalf("compute_shuffled_index(%d): %v", i, err)
		}
		if have != want {
			t.Fatalf("compute_shuffled_index(%d) = %d, want %d", i, have, want)
		}
	}

	identity := make([]primitives.ValidatorIndex, mapping.Count)
	for i := range identity {
		identity[i] = primitives.ValidatorIndex(i)
	}
	for i, have := range helpers.ShuffleList(identity, seed) {
		if uint64(have) != mapping.Mapping[i] {
			t.Fatalf("whole-list shuffle: position %d holds %d, want %d", i, have, mapping.Mapping[i])
		}
	}
}
