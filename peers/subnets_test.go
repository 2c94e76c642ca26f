package peers

import (
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/p2p/enode"

	"github.com/salamander-client/salamander/discovery"
	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
)

// devnetSpec is a chain of this build's preset with every fork at genesis, and extra config lines.
func devnetSpec(t *testing.T, extra string) *params.Spec {
	t.Helper()
	yaml := "PRESET_BASE: '" + params.PresetName + "'\nCONFIG_NAME: 'subnets-test'\n" +
		"ALTAIR_FORK_EPOCH: 0\nBELLATRIX_FORK_EPOCH: 0\nCAPELLA_FORK_EPOCH: 0\nDENEB_FORK_EPOCH: 0\n" +
		"ELECTRA_FORK_EPOCH: 0\nFULU_FORK_EPOCH: 0\n" + extra
	cfg, _, err := params.ParseConfig([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := params.NewSpec(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// subnetsOf lists the subnets of the topics of kind under digest.
func subnetsOf(topics []gossip.Topic, digest primitives.ForkDigest, kind gossip.Kind) []uint64 {
	var out []uint64
	for _, t := range topics {
		if t.Digest == digest && t.Kind == kind {
			out = append(out, t.Subnet)
		}
	}
	slices.Sort(out)
	return out
}

func TestComputeSubscriptions(t *testing.T) {
	spec := devnetSpec(t, "")
	// offset 1 (last byte): the long-lived subnets rotate at epoch 255, 511, ...
	id := enode.HexID("a3c1e5f7092b4d6f8112233445566778899aabbccddeeff00112233445566701")
	in := subscriptionInput{spec: spec, gvr: primitives.Root{7}, nodeID: id, custodyGroupCount: spec.CustodyRequirement,
		syncSubnets: map[uint64]primitives.Epoch{1: 300, 3: 254}}
	at := func(e primitives.Epoch) []uint64 {
		s, err := discovery.ComputeSubscribedSubnets(spec, id, e)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(s)
		return s
	}
	digest := spec.ComputeForkDigest(in.gvr, 0) // one digest for every epoch here
	columns := discovery.CustodySubnets(spec, id, in.custodyGroupCount)
	globals := 0
	for _, k := range gossip.Kinds() {
		if k.Subnets(spec) == 0 {
			globals++
		}
	}

	for _, c := range []struct {
		epoch    primitives.Epoch
		announce []uint64 // attestation subnets in attnets
		join     []uint64 // attestation subnet topics
		sync     []uint64
	}{
		{epoch: 100, announce: at(100), join: at(100), sync: []uint64{1, 3}},
		{epoch: 253, announce: at(253), join: at(253), sync: []uint64{1, 3}},
		// The epoch before the rotation joins the next period's subnets too, announcing only its own; subnet 3's
		// sync committee period ends before epoch 254.
		{epoch: 254, announce: at(254), join: sortedUnique(append(at(254), at(255)...)), sync: []uint64{1}},
		{epoch: 255, announce: at(255), join: at(255), sync: []uint64{1}},
		{epoch: 300, announce: at(300), join: at(300), sync: nil},
	} {
		s, err := computeSubscriptions(in, c.epoch)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(s.attestation, c.announce) || !slices.Equal(s.sync, c.sync) {
			t.Errorf("epoch %d: announces attestation %v sync %v, want %v and %v", c.epoch, s.attestation, s.sync, c.announce, c.sync)
		}
		if got := subnetsOf(s.topics, digest, gossip.BeaconAttestation); !slices.Equal(got, c.join) {
			t.Errorf("epoch %d: attestation topics %v, want %v", c.epoch, got, c.join)
		}
		if got := subnetsOf(s.topics, digest, gossip.SyncCommittee); !slices.Equal(got, c.sync) {
			t.Errorf("epoch %d: sync committee topics %v, want %v", c.epoch, got, c.sync)
		}
		if got := subnetsOf(s.topics, digest, gossip.DataColumnSidecar); !slices.Equal(got, columns) {
			t.Errorf("epoch %d: data column topics %v, want the custody subnets %v", c.epoch, got, columns)
		}
		if want := globals + len(c.join) + len(c.sync) + len(columns); len(s.topics) != want {
			t.Errorf("epoch %d: %d topics, want %d under one digest", c.epoch, len(s.topics), want)
		}
	}
	if at(254)[0] == at(255)[0] {
		t.Log("the rotation at epoch 255 keeps the same subnets for this node ID; the case checks less")
	}

	in.subscribeAll = true
	s, err := computeSubscriptions(in, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.attestation) != 64 || len(subnetsOf(s.topics, digest, gossip.BeaconAttestation)) != 64 {
		t.Errorf("subscribe_all_subnets: announces %d, joins %d attestation subnets, want 64", len(s.attestation),
			len(subnetsOf(s.topics, digest, gossip.BeaconAttestation)))
	}
}

// TestSubscriptionsAroundAFork: a blob-parameter-only fork changes the digest; its topics are joined an epoch
// ahead and the old ones left two epochs after the fork.
func TestSubscriptionsAroundAFork(t *testing.T) {
	fork := primitives.Epoch(500)
	spec := devnetSpec(t, "BLOB_SCHEDULE:\n  - EPOCH: 500\n    MAX_BLOBS_PER_BLOCK: 12\n")
	in := subscriptionInput{spec: spec, gvr: primitives.Root{7}, nodeID: enode.HexID(strings.Repeat("42", 32)),
		custodyGroupCount: spec.CustodyRequirement}
	before, after := spec.ComputeForkDigest(in.gvr, fork-1), spec.ComputeForkDigest(in.gvr, fork)
	if before == after {
		t.Fatal("the blob-parameter fork did not change the digest")
	}
	for _, c := range []struct {
		epoch primitives.Epoch
		want  []primitives.ForkDigest
	}{
		{fork - 2, []primitives.ForkDigest{before}},
		{fork - 1, []primitives.ForkDigest{before, after}},
		{fork, []primitives.ForkDigest{after, before}},
		{fork + 1, []primitives.ForkDigest{after, before}},
		{fork + 2, []primitives.ForkDigest{after}},
	} {
		if got := digestsAround(spec, in.gvr, c.epoch); !slices.Equal(got, c.want) {
			t.Errorf("epoch %d: digests %x, want %x", c.epoch, got, c.want)
		}
		s, err := computeSubscriptions(in, c.epoch)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range c.want {
			if len(subnetsOf(s.topics, d, gossip.BeaconBlock)) != 1 {
				t.Errorf("epoch %d: no beacon_block topic under %x", c.epoch, d)
			}
		}
	}
}

func TestTopicDiff(t *testing.T) {
	d := primitives.ForkDigest{1, 2, 3, 4}
	block := gossip.Topic{Digest: d, Kind: gossip.BeaconBlock}
	att1 := gossip.Topic{Digest: d, Kind: gossip.BeaconAttestation, Subnet: 1}
	att2 := gossip.Topic{Digest: d, Kind: gossip.BeaconAttestation, Subnet: 2}
	have := []string{block.String(), att1.String()}
	join, leave := topicDiff(have, []gossip.Topic{block, att2, att2})
	if !slices.Equal(join, []gossip.Topic{att2}) || !slices.Equal(leave, []string{att1.String()}) {
		t.Errorf("join %v leave %v", join, leave)
	}
	if join, leave := topicDiff(have, []gossip.Topic{att1, block}); len(join) != 0 || len(leave) != 0 {
		t.Errorf("no change: join %v leave %v", join, leave)
	}
}
