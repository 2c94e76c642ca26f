package chaincheck

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/blocksync"
	"github.com/salamander-client/salamander/checkpointsync"
	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// fakeBlockSync forwards what the chain checker delivers to a channel.
type fakeBlockSync struct{ got chan any }

func (f *fakeBlockSync) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *blocksync.ImportBlock, *blocksync.OnAttestation:
		f.got <- msg
	}
}

// newStoreWorld is newWorld with its genesis anchored in a store, and its checker over that store.
func newStoreWorld(tb testing.TB) (*world, *store.DB) {
	tb.Helper()
	w := newWorld(tb)
	spec := w.env.Spec
	encoded, err := types.Marshal(w.state)
	if err != nil {
		tb.Fatal(err)
	}
	anchor, err := checkpointsync.Genesis(encoded, checkpointsync.Options{Spec: spec})
	if err != nil {
		tb.Fatal(err)
	}
	if anchor.Block.Root != w.genesis {
		tb.Fatalf("store anchor %#x, world genesis %#x", anchor.Block.Root, w.genesis)
	}
	db, err := store.Open(tb.TempDir(), store.Options{Network: store.NetworkOf(spec), NoSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	if err := db.SetAnchor(anchor.Input()); err != nil {
		tb.Fatal(err)
	}
	w.checker = NewChecker(w.env, NewStoreChain(w.env, db.Reader, 0), nil)
	return w, db
}

// TestActorWithGossip runs the gossip actor with the chain checker over a store holding the interop genesis, and a
// fake blocksync: gossip's verdicts are the chain checker's, and what it accepts reaches blocksync.
func TestActorWithGossip(t *testing.T) {
	w, db := newStoreWorld(t)
	spec := w.env.Spec

	system := actor.NewActorSystem()
	t.Cleanup(system.Shutdown)
	fake := &fakeBlockSync{got: make(chan any, 16)}
	bs, err := system.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return fake }), "node/blocksync")
	if err != nil {
		t.Fatal(err)
	}
	check, err := system.Root.SpawnNamed(actors.NewProps("chaincheck", New(Config{Spec: spec, Reader: db.Reader, BlockSyncPath: bs.Id})), "node/network/chaincheck")
	if err != nil {
		t.Fatal(err)
	}
	genesisTime := time.Unix(int64(w.state.GenesisTime), 0)
	now := genesisTime.Add(spec.SlotDuration * 5 / 2) // in slot 2: the blocks below, of slots 1 and 2, are not from the future
	g, err := system.Root.SpawnNamed(actors.NewProps("gossip", func() actor.Actor {
		return gossip.NewActor(gossip.Config{Spec: spec, Genesis: genesisTime, ChainPath: check.Id, Now: func() time.Time { return now }})
	}), "node/network/gossip")
	if err != nil {
		t.Fatal(err)
	}

	gvr := w.state.GenesisValidatorsRoot
	digest := spec.ComputeForkDigest(gvr, 0)
	validate := func(kind gossip.Kind, subnet uint64, msg types.Object) *gossip.Verdict {
		t.Helper()
		ssz, err := types.Marshal(msg)
		if err != nil {
			t.Fatal(err)
		}
		topic := gossip.Topic{Digest: digest, Kind: kind, Subnet: subnet}.String()
		res, err := system.Root.RequestFuture(g, &gossip.Validate{Topic: topic, Data: gossip.Encode(ssz), GVR: gvr, Digest: digest}, 5*time.Second).Result()
		if err != nil {
			t.Fatal(err)
		}
		return res.(*gossip.Verdict)
	}
	delivered := func() any {
		t.Helper()
		select {
		case m := <-fake.got:
			return m
		case <-time.After(5 * time.Second):
			t.Fatal("nothing delivered to blocksync")
			return nil
		}
	}

	// A valid block is accepted and imported.
	block := w.block(t, 1, w.genesis)
	if v := validate(gossip.BeaconBlock, 0, block); v.Result != gossip.Accept {
		t.Fatalf("block: %s %v", v.Result, v.Err)
	}
	want, _ := types.Marshal(block)
	if m, ok := delivered().(*blocksync.ImportBlock); !ok || !bytes.Equal(m.SSZ, want) {
		t.Fatalf("delivered %T, want the block's ImportBlock", m)
	}

	// A block whose parent is unknown is ignored, and still handed to blocksync to fetch the parent.
	orphan := w.block(t, 2, primitives.Root{0x77})
	if v := validate(gossip.BeaconBlock, 0, orphan); v.Result != gossip.Ignore {
		t.Fatalf("orphan block: %s %v", v.Result, v.Err)
	}
	if _, ok := delivered().(*blocksync.ImportBlock); !ok {
		t.Fatal("orphan block not handed to blocksync")
	}

	// An attestation with a forged signature is rejected; the attester's real one is still accepted after it, and
	// fork choice gets it indexed.
	committee, d := w.attestationData(t, 1)
	subnet := ComputeSubnetForAttestation(helpers.GetCommitteeCountPerSlot(w.env, w.state, 0), 1, 0)
	forged := w.single(committee[0], d)
	forged.Signature = block.Signature
	if v := validate(gossip.BeaconAttestation, subnet, forged); v.Result != gossip.Reject || !errors.Is(v.Err, ErrBadSignature) {
		t.Fatalf("forged attestation: %s %v", v.Result, v.Err)
	}
	if v := validate(gossip.BeaconAttestation, subnet, w.single(committee[0], d)); v.Result != gossip.Accept {
		t.Fatalf("attestation after a forged one: %s %v", v.Result, v.Err)
	}
	m, ok := delivered().(*blocksync.OnAttestation)
	if !ok {
		t.Fatalf("delivered %T, want OnAttestation", m)
	}
	var indexed types.IndexedAttestation
	if err := types.Unmarshal(m.IndexedAttestation, &indexed); err != nil || len(indexed.AttestingIndices) != 1 || indexed.AttestingIndices[0] != committee[0] {
		t.Fatalf("indexed attestation %+v (%v), want attester %d", indexed, err, committee[0])
	}

	res, err := system.Root.RequestFuture(check, &StatusRequest{}, time.Second).Result()
	if err != nil {
		t.Fatal(err)
	}
	st := res.(*StatusResponse).Status
	if st.Delivered != 3 || st.Verdicts[gossip.BeaconAttestation] != [3]uint64{1, 0, 1} {
		t.Fatalf("status %+v", st)
	}
}
