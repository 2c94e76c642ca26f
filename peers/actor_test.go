package peers_test

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/discovery"
	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/peers"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/reqresp"
	"github.com/salamander-client/salamander/types"
)

func testSpec(t *testing.T) *params.Spec {
	t.Helper()
	spec, err := params.NewSpec(params.DevnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

type node struct {
	system          *actor.ActorSystem
	peers, gossip   *actor.PID
	faults          *actors.FaultInjector
	dataDir, listen string
}

func startNode(t *testing.T, spec *params.Spec, genesis time.Time, static []string) *node {
	t.Helper()
	n := &node{system: actor.NewActorSystem(), faults: actors.NewFaultInjector(), dataDir: t.TempDir()}
	gvr := primitives.Root{1, 2, 3}
	var err error
	n.gossip, err = n.system.Root.SpawnNamed(actors.NewProps("gossip", func() actor.Actor {
		return gossip.NewActor(gossip.Config{Spec: spec, Genesis: genesis})
	}), "gossip")
	if err != nil {
		t.Fatal(err)
	}
	n.peers, err = n.system.Root.SpawnNamed(actors.NewProps("peers", func() actor.Actor {
		return peers.NewActor(peers.Config{DataDir: n.dataDir, Spec: spec, Genesis: genesis, GenesisValidatorsRoot: &gvr,
			ListenTCP: netip.MustParseAddrPort("127.0.0.1:0"), StaticPeers: static, TargetPeers: 4, GossipPID: n.gossip})
	}, actors.WithFaults(n.faults)), "peers")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.system.Root.StopFuture(n.peers).Wait(); n.system.Root.StopFuture(n.gossip).Wait() })
	s := n.status(t)
	n.listen = s.Addrs[0] + "/p2p/" + s.PeerID
	return n
}

func (n *node) status(t *testing.T) peers.Status {
	t.Helper()
	res, err := n.system.Root.RequestFuture(n.peers, &peers.StatusRequest{}, 5*time.Second).Result()
	if err != nil {
		t.Fatal(err)
	}
	return res.(*peers.StatusResponse).Status
}

func (n *node) waitPeer(t *testing.T, id string, within time.Duration) peers.PeerInfo {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		for _, p := range n.status(t).Peers {
			if p.ID == id && p.Handshaked {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no handshake with %s within %s", id, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTwoNodes: two nodes connect, handshake (status, metadata), gossip to each other, and a killed host comes back
// with the same peer ID and reconnects.
func TestTwoNodes(t *testing.T) {
	spec := testSpec(t)
	genesis := time.Now().Add(-time.Minute)
	a := startNode(t, spec, genesis, nil)
	b := startNode(t, spec, genesis, []string{a.listen})
	aID, bID := a.status(t).PeerID, b.status(t).PeerID
	info := b.waitPeer(t, aID, 10*time.Second)
	a.waitPeer(t, bID, 10*time.Second)
	if info.MetaData.CustodyGroupCount != spec.CustodyRequirement {
		t.Fatalf("metadata of a: %+v", info.MetaData)
	}

	// Gossip: b publishes signed BLS changes (a new one each try, until the mesh has formed); a validates them,
	// signature included, and counts them.
	deadline := time.Now().Add(20 * time.Second)
	for i := uint64(0); ; i++ {
		sk, err := bls.InteropSecretKey(i)
		if err != nil {
			t.Fatal(err)
		}
		change := &types.BLSToExecutionChange{ValidatorIndex: primitives.ValidatorIndex(i), FromBLSPubkey: sk.PublicKey().Bytes()}
		root := params.ComputeSigningRoot(types.HashTreeRoot(change),
			params.ComputeDomain(params.DomainBLSToExecutionChange, spec.ForkVersion(params.Phase0), primitives.Root{1, 2, 3}))
		ssz, _ := types.Marshal(&types.SignedBLSToExecutionChange{Message: change, Signature: sk.Sign(root[:]).Bytes()})
		if _, err := b.system.Root.RequestFuture(b.peers, &peers.Publish{Kind: gossip.BLSToExecutionChange, SSZ: ssz}, 5*time.Second).Result(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		res, err := a.system.Root.RequestFuture(a.gossip, &gossip.StatusRequest{}, 5*time.Second).Result()
		if err != nil {
			t.Fatal(err)
		}
		v := res.(*gossip.StatusResponse).Status.Verdicts[gossip.BLSToExecutionChange]
		if v[gossip.Reject] != 0 {
			t.Fatalf("a rejected b's message: %v", v)
		}
		if v[gossip.Ignore]+v[gossip.Accept] > 0 {
			t.Logf("a validated b's gossip after %d publications: %v", i+1, v)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a did not validate b's messages: %v", v)
		}
	}

	// Fault: b's host dies; it comes back with the same peer ID and the handshake is redone.
	if err := b.faults.Set("peers", actors.Fault{PanicNext: 1}); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	b.system.Root.Send(b.peers, &peers.StatusRequest{})
	time.Sleep(20 * time.Millisecond)
	b.waitPeer(t, aID, 12*time.Second)
	if s := b.status(t); s.PeerID != bID || !s.StartedAt.After(killed) {
		t.Fatalf("after restart: %s (was %s), started %s", s.PeerID, bID, s.StartedAt)
	}
	t.Logf("b restarted with the same peer ID and handshaked again in %s", time.Since(killed).Round(time.Millisecond))
}

// TestReportedPeerScoreDrops: blocksync's reports of invalid answers lower the peer's application score like the
// invalid responses the peers actor finds itself; two of them (-40) disconnect the peer.
func TestReportedPeerScoreDrops(t *testing.T) {
	spec := testSpec(t)
	genesis := time.Now().Add(-time.Minute)
	a := startNode(t, spec, genesis, nil)
	b := startNode(t, spec, genesis, []string{a.listen})
	aID := a.status(t).PeerID
	before := b.waitPeer(t, aID, 10*time.Second).Score

	b.system.Root.Send(b.peers, &peers.ReportPeer{Peer: "not a peer id", Reason: errors.New("bad batch")}) // ignored
	b.system.Root.Send(b.peers, &peers.ReportPeer{Peer: aID, Reason: errors.New("bad batch")})
	var after float64
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		for _, p := range b.status(t).Peers {
			if p.ID == aID {
				after = p.Score
			}
		}
		if after <= before-19 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("score of the reported peer %.2f, was %.2f: want it 20 lower", after, before)
		}
	}
	b.system.Root.Send(b.peers, &peers.ReportPeer{Peer: aID, Reason: errors.New("bad batch")})
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		connected := false
		for _, p := range b.status(t).Peers {
			connected = connected || p.ID == aID
		}
		if !connected {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a peer reported twice is still connected, want it disconnected below the threshold")
		}
	}
}

// TestFloodAndMalformedRequests: a raw libp2p host floods a node with status requests and sends malformed
// frames; it gets InvalidRequest and RateLimited answers, its score drops and it ends banned.
func TestFloodAndMalformedRequests(t *testing.T) {
	spec := testSpec(t)
	victim := startNode(t, spec, time.Now(), nil)
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	info, err := peer.AddrInfoFromString(victim.listen)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.Connect(ctx, *info); err != nil {
		t.Fatal(err)
	}
	limits := reqresp.NewLimits(spec)
	// The flooder answers the victim's handshake like an honest peer, so only its requests count against it.
	digest := spec.ComputeForkDigest(primitives.Root{1, 2, 3}, 0)
	srv := reqresp.NewServer(limits, nil, nil, stubLocal{digest}, nil, nil, slog.Default())
	for _, m := range reqresp.Methods() {
		h.SetStreamHandler(m.ProtocolID(), srv.Handler(m))
	}
	time.Sleep(time.Second)
	// A malformed frame: a length prefix over the type's bound.
	st, err := h.NewStream(ctx, info.ID, reqresp.Status.ProtocolID())
	if err != nil {
		t.Fatal(err)
	}
	_, _ = st.Write([]byte{0xff, 0xff, 0x03})
	_ = st.CloseWrite()
	_, err = reqresp.ReadChunk(bufio.NewReader(st), false, limits.Response(reqresp.Status))
	var re *reqresp.ResponseError
	if !errors.As(err, &re) || re.Code != reqresp.InvalidRequest {
		t.Fatalf("malformed request answered %v, want InvalidRequest", err)
	}
	_ = st.Close()

	// A flood of pings (the quota is 2 per 10 s): rate limited, disconnected for a bad score, and when it comes
	// back and floods again, banned: the gater refuses the connection.
	client := reqresp.NewClient(h, limits, func(primitives.Slot) primitives.ForkDigest { return digest })
	limited, banned := 0, false
	for round := 0; round < 8 && !banned; round++ {
		cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
		h.Peerstore().AddAddrs(info.ID, info.Addrs, time.Minute)
		err := h.Connect(cctx, *info)
		if err == nil {
			_, err = h.NewStream(cctx, info.ID, reqresp.Ping.ProtocolID())
		}
		ccancel()
		if err != nil {
			banned = round > 0
			break
		}
		for i := 0; i < 10; i++ {
			_, err := client.Ping(ctx, info.ID, 1)
			if errors.As(err, &re) && re.Code == reqresp.RateLimited {
				limited++
			} else if err != nil {
				break // disconnected
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	if limited == 0 || !banned {
		t.Fatalf("%d pings rate limited, banned %v", limited, banned)
	}
	t.Logf("%d pings rate limited, then the flooder was banned", limited)
}

type stubLocal struct{ digest primitives.ForkDigest }

func (s stubLocal) Status() types.Status                                   { return types.Status{ForkDigest: s.digest} }
func (s stubLocal) MetaData() types.MetaData                               { return types.MetaData{} }
func (s stubLocal) ForkDigestAtSlot(primitives.Slot) primitives.ForkDigest { return s.digest }

// TestSubnetRotation: the node announces compute_subscribed_subnets of its node ID in its metadata and ENR attnets
// and joins their topics (the next period's too, the epoch before a rotation); at the rotation's epoch boundary it
// announces the new subnets with a new metadata sequence number and leaves the old topics. Sync committee subnets
// of local validators go into syncnets and their topics.
func TestSubnetRotation(t *testing.T) {
	yaml := "PRESET_BASE: '" + params.PresetName + "'\nCONFIG_NAME: 'rotation-test'\nSECONDS_PER_SLOT: 1\n" +
		"ALTAIR_FORK_EPOCH: 0\nBELLATRIX_FORK_EPOCH: 0\nCAPELLA_FORK_EPOCH: 0\nDENEB_FORK_EPOCH: 0\n" +
		"ELECTRA_FORK_EPOCH: 0\nFULU_FORK_EPOCH: 0\n"
	cfg, _, err := params.ParseConfig([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := params.NewSpec(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	key, err := peers.LoadOrCreateKey(filepath.Join(dataDir, "network", "node-key"))
	if err != nil {
		t.Fatal(err)
	}
	ecdsa, err := discovery.ECDSAKey(key)
	if err != nil {
		t.Fatal(err)
	}
	id := enode.PubkeyToIDV4(&ecdsa.PublicKey)
	subnets := func(e primitives.Epoch) []uint64 {
		s, err := discovery.ComputeSubscribedSubnets(spec, id, e)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// A rotation that changes the subnets (most do: the prefix is shuffled anew).
	rotation := discovery.NextSubnetRotation(spec, id, 1000)
	for i := 0; i < 50 && slices.Equal(subnets(rotation-1), subnets(rotation)); i++ {
		rotation = discovery.NextSubnetRotation(spec, id, rotation)
	}
	before, after := subnets(rotation-1), subnets(rotation)
	if slices.Equal(before, after) {
		t.Fatalf("no rotation of node %s changes its subnets", id)
	}
	epochLength := spec.SlotDuration * time.Duration(spec.SlotsPerEpoch)
	const lead = 3 * time.Second // the rotation's epoch begins this long after start
	genesis := time.Now().Add(lead - time.Duration(rotation)*epochLength)

	system := actor.NewActorSystem()
	gvr := primitives.Root{4, 5, 6}
	pid, err := system.Root.SpawnNamed(actors.NewProps("peers", func() actor.Actor {
		return peers.NewActor(peers.Config{DataDir: dataDir, Spec: spec, Genesis: genesis, GenesisValidatorsRoot: &gvr,
			ListenTCP: netip.MustParseAddrPort("127.0.0.1:0"), ListenUDP: netip.MustParseAddrPort("127.0.0.1:0")})
	}), "peers")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { system.Root.StopFuture(pid).Wait() })
	status := func() peers.Status {
		res, err := system.Root.RequestFuture(pid, &peers.StatusRequest{}, 5*time.Second).Result()
		if err != nil {
			t.Fatal(err)
		}
		return res.(*peers.StatusResponse).Status
	}
	enrFields := func(s peers.Status) discovery.Fields {
		node, err := discovery.ParseENR(s.ENR)
		if err != nil {
			t.Fatal(err)
		}
		f, err := discovery.ReadFields(node)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	digest := spec.ComputeForkDigest(gvr, 0)
	subscribed := func(s peers.Status, kind gossip.Kind, subnet uint64) bool {
		return slices.Contains(s.Topics, gossip.Topic{Digest: digest, Kind: kind, Subnet: subnet}.String())
	}

	s := status()
	if s.MetaData.Attnets != discovery.Attnets(before) || enrFields(s).Attnets != discovery.Attnets(before) {
		t.Fatalf("epoch %d: metadata attnets %x, ENR attnets %x, want subnets %v", rotation-1, s.MetaData.Attnets,
			enrFields(s).Attnets, before)
	}
	for _, subnet := range append(slices.Clone(before), after...) {
		if !subscribed(s, gossip.BeaconAttestation, subnet) {
			t.Errorf("epoch %d: not subscribed to attestation subnet %d (subnets %v, next %v)", rotation-1, subnet, before, after)
		}
	}

	system.Root.Send(pid, &peers.SyncCommitteeSubnets{Subnets: []uint64{2}, Until: rotation + 10})
	s = status()
	if s.MetaData.Syncnets != discovery.Syncnets([]uint64{2}) || enrFields(s).Syncnets != s.MetaData.Syncnets ||
		!subscribed(s, gossip.SyncCommittee, 2) {
		t.Fatalf("sync committee subnet 2: metadata syncnets %x, ENR %x, subscribed %v", s.MetaData.Syncnets,
			enrFields(s).Syncnets, subscribed(s, gossip.SyncCommittee, 2))
	}
	seq := s.MetaData.SeqNumber

	deadline := time.Now().Add(lead + 5*time.Second)
	for s = status(); s.MetaData.Attnets != discovery.Attnets(after); s = status() {
		if time.Now().After(deadline) {
			t.Fatalf("no rotation to subnets %v at epoch %d: metadata %+v", after, rotation, s.MetaData)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s.MetaData.SeqNumber != seq+1 || enrFields(s).Attnets != discovery.Attnets(after) {
		t.Errorf("after the rotation: metadata seq %d (was %d), ENR attnets %x, want %x", s.MetaData.SeqNumber, seq,
			enrFields(s).Attnets, discovery.Attnets(after))
	}
	for _, subnet := range before {
		if !slices.Contains(after, subnet) && subscribed(s, gossip.BeaconAttestation, subnet) {
			t.Errorf("after the rotation: still subscribed to the old subnet %d", subnet)
		}
	}
	for _, subnet := range after {
		if !subscribed(s, gossip.BeaconAttestation, subnet) {
			t.Errorf("after the rotation: not subscribed to subnet %d", subnet)
		}
	}
	if !subscribed(s, gossip.SyncCommittee, 2) {
		t.Error("after the rotation: left the sync committee subnet before its period ended")
	}
	t.Logf("node %s rotated from subnets %v to %v at epoch %d; metadata seq %d", id.TerminalString(), before, after, rotation, s.MetaData.SeqNumber)
}
