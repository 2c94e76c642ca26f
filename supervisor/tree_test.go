package supervisor

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/salamander-client/salamander/blocksync"
	"github.com/salamander-client/salamander/chaincheck"
	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/types"
)

// pathOf returns the actor path of the worker name in the tree s, "" when it is not there.
func pathOf(s spec, name, prefix string) string {
	path := prefix + s.name
	if s.name == name {
		return path
	}
	for _, c := range s.children {
		if p := pathOf(c, name, path+"/"); p != "" {
			return p
		}
	}
	return ""
}

// TestTreePaths checks the paths the tree's actors address each other by against the tree, and that the chain
// checker runs only with a chain and a network.
func TestTreePaths(t *testing.T) {
	spec, err := params.NewSpec(params.DevnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Chain: ChainOptions{BlockSync: blocksync.Config{Reader: store.NewReader()}},
		Network: NetworkOptions{Gossip: gossip.Config{Spec: spec}}}
	tree := nodeTree(opts)
	if err := tree.validate(); err != nil {
		t.Fatal(err)
	}
	if got := pathOf(tree, "blocksync", ""); got != blockSyncPath {
		t.Errorf("blocksync at %q, blockSyncPath %q", got, blockSyncPath)
	}
	if got := pathOf(tree, "chaincheck", ""); got != chainCheckPath {
		t.Errorf("chaincheck at %q, chainCheckPath %q", got, chainCheckPath)
	}
	for _, o := range []Options{
		{Network: NetworkOptions{Gossip: gossip.Config{Spec: spec}}},                  // no chain
		{Chain: ChainOptions{BlockSync: blocksync.Config{Reader: store.NewReader()}}}, // no network
	} {
		if got := pathOf(nodeTree(o), "chaincheck", ""); got != "" {
			t.Errorf("chaincheck at %q without a chain or a network", got)
		}
	}
}

// TestGossipAsksChainCheck starts a node with a chain reader and a network: gossip's stateful checks reach the
// chain checker, which answers from the store (empty here, so it cannot check and ignores the block).
func TestGossipAsksChainCheck(t *testing.T) {
	spec, err := params.NewSpec(params.DevnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	storeCfg := testStoreConfig(t)
	storeCfg.Options.Reader = store.NewReader()
	// Two slots of the spec's length ago: the block of slot 1 below is from the past, not the future.
	genesis := time.Now().Add(-2 * spec.SlotDuration)
	n, err := Start(Options{
		Logger: slog.New(&logCapture{}), GenesisTime: genesis, SecondsPerSlot: 1, SlotsPerEpoch: 8, Store: storeCfg,
		Network: NetworkOptions{Gossip: gossip.Config{Spec: spec, Genesis: genesis}},
		Chain:   ChainOptions{BlockSync: blocksync.Config{Reader: storeCfg.Options.Reader}},
	})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		_ = n.Stop(ctx)
	})
	if _, err := n.system.Root.RequestFuture(n.pid(chainCheckPath), &chaincheck.StatusRequest{}, deadline).Result(); err != nil {
		t.Fatalf("chaincheck status: %v", err)
	}

	b := &types.SignedBeaconBlock{Message: &types.BeaconBlock{Slot: 1, Body: &types.BeaconBlockBody{Eth1Data: &types.Eth1Data{},
		SyncAggregate: &types.SyncAggregate{}, ExecutionPayload: &types.ExecutionPayload{}, ExecutionRequests: &types.ExecutionRequests{}}}}
	ssz, err := types.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	gvr := primitives.Root{1}
	digest := spec.ComputeForkDigest(gvr, 0)
	topic := gossip.Topic{Digest: digest, Kind: gossip.BeaconBlock}.String()
	res, err := n.system.Root.RequestFuture(n.pid("node/network/gossip"),
		&gossip.Validate{Topic: topic, Data: gossip.Encode(ssz), GVR: gvr, Digest: digest}, deadline).Result()
	if err != nil {
		t.Fatal(err)
	}
	if v := res.(*gossip.Verdict); v.Result != gossip.Ignore || !errors.Is(v.Err, chaincheck.ErrNoState) {
		t.Fatalf("verdict %s %v, want the chain checker's ignore for want of a chain", v.Result, v.Err)
	}
}
