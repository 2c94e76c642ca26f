package discovery_test

import (
	"encoding/hex"
	"math"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/p2p/enode"

	"github.com/salamander-client/salamander/discovery"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

func presetSpec(t *testing.T) *params.Spec {
	t.Helper()
	cfg := params.MainnetConfig()
	if params.PresetName == "minimal" {
		cfg = params.MinimalConfig()
	}
	spec, err := params.NewSpec(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func nodeID(t *testing.T, s string) enode.ID {
	t.Helper()
	raw, err := hex.DecodeString(s)
	if err != nil || len(raw) != 32 {
		t.Fatalf("node id %q", s)
	}
	return enode.ID(raw)
}

// subnetCase is compute_subscribed_subnets(node_id, epoch) worked out by hand from the spec's Python (phase0
// p2p-interface): node_id_prefix = node_id >> 250, node_offset = node_id % 256, the seed hashes
// (epoch + node_offset) // 256 as 8 little-endian bytes, and the prefix goes through compute_shuffled_index over
// 64 with SHUFFLE_ROUND_COUNT rounds (90 mainnet, 10 minimal): the two presets give different subnets.
type subnetCase struct {
	id      string
	epoch   primitives.Epoch
	mainnet [2]uint64
	minimal [2]uint64
}

const (
	zeroID = "0000000000000000000000000000000000000000000000000000000000000000"
	maxID  = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
	oneID  = "a3c1e5f7092b4d6f8112233445566778899aabbccddeeff00112233445566701" // offset 1, prefix 40
	someID = "4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a" // offset 154, prefix 18
)

var subnetCases = []subnetCase{
	{zeroID, 0, [2]uint64{49, 50}, [2]uint64{62, 63}},
	{zeroID, 255, [2]uint64{49, 50}, [2]uint64{62, 63}},
	{zeroID, 256, [2]uint64{16, 17}, [2]uint64{58, 59}},
	{zeroID, 100000, [2]uint64{35, 36}, [2]uint64{35, 36}},
	{maxID, 0, [2]uint64{57, 58}, [2]uint64{12, 13}},
	{maxID, 1, [2]uint64{55, 56}, [2]uint64{10, 11}}, // offset 255: the period turns at epoch 1
	{maxID, 256, [2]uint64{55, 56}, [2]uint64{10, 11}},
	{maxID, 100000, [2]uint64{25, 26}, [2]uint64{1, 2}},
	{oneID, 0, [2]uint64{37, 38}, [2]uint64{50, 51}},
	{oneID, 254, [2]uint64{37, 38}, [2]uint64{50, 51}},
	{oneID, 255, [2]uint64{60, 61}, [2]uint64{33, 34}}, // offset 1: the period turns at epoch 255
	{oneID, 100000, [2]uint64{11, 12}, [2]uint64{55, 56}},
	{someID, 1, [2]uint64{58, 59}, [2]uint64{26, 27}},
	{someID, 101, [2]uint64{58, 59}, [2]uint64{26, 27}},
	{someID, 102, [2]uint64{4, 5}, [2]uint64{7, 8}}, // offset 154: 102 + 154 = 256
	{someID, 100000, [2]uint64{2, 3}, [2]uint64{25, 26}},
	// Far in the future (epoch + offset still fits in uint64 here; the sum is taken without overflow anyway).
	{zeroID, math.MaxUint64 - 300, [2]uint64{37, 38}, [2]uint64{59, 60}},
	{someID, math.MaxUint64 - 300, [2]uint64{13, 14}, [2]uint64{6, 7}},
}

func TestComputeSubscribedSubnets(t *testing.T) {
	spec := presetSpec(t)
	if spec.SubnetsPerNode != 2 || spec.AttestationSubnetPrefixBits != 6 || spec.EpochsPerSubnetSubscription != 256 {
		t.Fatalf("the cases assume SUBNETS_PER_NODE 2, ATTESTATION_SUBNET_PREFIX_BITS 6, EPOCHS_PER_SUBNET_SUBSCRIPTION 256")
	}
	for _, c := range subnetCases {
		want := c.mainnet
		if params.PresetName == "minimal" {
			want = c.minimal
		}
		have, err := discovery.ComputeSubscribedSubnets(spec, nodeID(t, c.id), c.epoch)
		if err != nil {
			t.Fatalf("%s at epoch %d: %v", c.id, c.epoch, err)
		}
		if !slices.Equal(have, want[:]) {
			t.Errorf("compute_subscribed_subnets(%s, %d) = %v, want %v", c.id, c.epoch, have, want)
		}
	}
}

func TestNextSubnetRotation(t *testing.T) {
	spec := presetSpec(t)
	for _, c := range []struct {
		id          string
		epoch, want primitives.Epoch
	}{
		{zeroID, 0, 256},
		{zeroID, 255, 256},
		{zeroID, 256, 512},
		{maxID, 0, 1},
		{maxID, 1, 257},
		{oneID, 0, 255},
		{oneID, 255, 511},
		{someID, 101, 102},
		{someID, 102, 358},
	} {
		id := nodeID(t, c.id)
		have := discovery.NextSubnetRotation(spec, id, c.epoch)
		if have != c.want {
			t.Errorf("NextSubnetRotation(%s, %d) = %d, want %d", c.id, c.epoch, have, c.want)
		}
		// The subnets hold until the rotation epoch.
		first, _ := discovery.ComputeSubscribedSubnets(spec, id, c.epoch)
		last, _ := discovery.ComputeSubscribedSubnets(spec, id, have-1)
		if !slices.Equal(first, last) {
			t.Errorf("%s: subnets changed between epoch %d (%v) and %d (%v), before the rotation", c.id, c.epoch, first, have-1, last)
		}
	}
}

func TestSubnetBitvectors(t *testing.T) {
	att := discovery.Attnets([]uint64{0, 9, 63, 64})
	if att != [types.AttnetsBytes]byte{0x01, 0x02, 0, 0, 0, 0, 0, 0x80} {
		t.Errorf("attnets %x", att)
	}
	if f := (discovery.Fields{Attnets: att}); !f.HasAttnet(9) || f.HasAttnet(10) {
		t.Errorf("HasAttnet disagrees with Attnets: %x", att)
	}
	if sync := discovery.Syncnets([]uint64{1, 3, 4}); sync != [types.SyncnetsBytes]byte{0x0a} {
		t.Errorf("syncnets %x", sync)
	}
	if all := discovery.Attnets(discovery.AllAttestationSubnets()); all != [types.AttnetsBytes]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff} {
		t.Errorf("all subnets %x", all)
	}
}
