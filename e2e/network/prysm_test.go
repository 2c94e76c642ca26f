// Package network_test runs the network actors end to end against a real Prysm v7 devnet on loopback, started by
// ../shared/peers/prysm-devnet.sh with its own run directory and ports.
package network_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/e2e/prysmdevnet"
	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/peers"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/reqresp"
	"github.com/salamander-client/salamander/types"
)

// gossipEnv overrides how long the test listens to gossip (a Go duration); the default is one epoch.
const gossipEnv = "SALAMANDER_E2E_GOSSIP_WINDOW"

func TestNetworkAgainstPrysm(t *testing.T) {
	d := prysmdevnet.Start(t)
	keys, err := bls.InteropSecretKeys(64)
	if err != nil {
		t.Fatal(err)
	}
	pubkeys := interopPubkeys{}
	for i, k := range keys {
		pubkeys[primitives.ValidatorIndex(i)] = k.PublicKey()
	}

	system := actor.NewActorSystem()
	faults := actors.NewFaultInjector()
	dataDir := t.TempDir()
	tcp, udp := prysmdevnet.FreePort(t), prysmdevnet.FreeUDPPort(t)
	gossipPID, err := system.Root.SpawnNamed(actors.NewProps("gossip", func() actor.Actor {
		return gossip.NewActor(gossip.Config{Spec: d.Spec, Genesis: d.Genesis, Pubkeys: pubkeys})
	}, actors.WithMailbox(actors.GossipMailbox())), "net-gossip")
	if err != nil {
		t.Fatal(err)
	}
	gvr := d.GVR
	peersPID, err := system.Root.SpawnNamed(actors.NewProps("peers", func() actor.Actor {
		return peers.NewActor(peers.Config{
			DataDir: dataDir, Spec: d.Spec, Genesis: d.Genesis, GenesisValidatorsRoot: &gvr,
			ListenTCP: mustAddrPort(t, fmt.Sprintf("127.0.0.1:%d", tcp)), ListenUDP: mustAddrPort(t, fmt.Sprintf("127.0.0.1:%d", udp)),
			Bootnodes: []string{d.ENR}, TargetPeers: 4, MaxPeers: 8, GossipPID: gossipPID, SubscribeAllSubnets: true,
		})
	}, actors.WithFaults(faults), actors.WithMailbox(actors.PeerMailbox())), "net-peers")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { system.Root.StopFuture(peersPID).Wait(); system.Root.StopFuture(gossipPID).Wait() })

	// Discovery: Prysm is found through discv5 from its ENR alone, dialed, and the handshake (status v2,
	// metadata v3) completes.
	start := time.Now()
	st := waitHandshake(t, system, peersPID, d.PeerID, 90*time.Second)
	ourID := st.PeerID
	t.Logf("Prysm %s found by discv5, connected and handshaked in %s: head slot %d, cgc %d, agent %s", d.PeerID,
		time.Since(start).Round(time.Millisecond), prysmInfo(st, d.PeerID).Status.HeadSlot,
		prysmInfo(st, d.PeerID).MetaData.CustodyGroupCount, prysmInfo(st, d.PeerID).Agent)

	// Sync: every block from genesis to Prysm's head by range, spot checks by root, proposer signatures valid.
	d.WaitHeadSlot(t, 8)
	head := d.HeadSlot(t)
	var blocks []reqresp.Block
	for s := primitives.Slot(0); s <= head; s += 64 {
		resp := askBlocks(t, system, peersPID, &peers.BlocksByRangeRequest{Start: s, Count: 64})
		blocks = append(blocks, resp.Blocks...)
	}
	if len(blocks) == 0 || blocks[len(blocks)-1].Slot < head-2 {
		t.Fatalf("downloaded %d blocks up to slot %d, Prysm's head is %d", len(blocks), lastSlot(blocks), head)
	}
	for i, b := range blocks {
		verifyProposer(t, d, pubkeys, b)
		if i > 0 && b.Slot <= blocks[i-1].Slot {
			t.Fatalf("blocks out of order at %d", i)
		}
	}
	roots := []primitives.Root{blocks[len(blocks)-1].Root, blocks[len(blocks)/2].Root}
	byRoot := askBlocks(t, system, peersPID, &peers.BlocksByRootRequest{Roots: roots})
	if len(byRoot.Blocks) != 2 {
		t.Fatalf("by root: %d blocks, want 2", len(byRoot.Blocks))
	}
	t.Logf("Downloaded and verified %d blocks (slots 0..%d) by range and 2 by root", len(blocks), lastSlot(blocks))

	// Publish: a BLS-to-execution change signed with an interop key; Prysm must take it into its pool.
	publishBLSChange(t, system, peersPID, d, keys)

	// Fault: kill the host actor; it must come back with the same peer ID and be handshaked within 2 slots.
	if err := faults.Set("peers", actors.Fault{PanicNext: 1}); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	system.Root.Send(peersPID, &peers.StatusRequest{})
	time.Sleep(50 * time.Millisecond)
	st = waitHandshake(t, system, peersPID, d.PeerID, 2*d.Spec.SlotDuration)
	if st.PeerID != ourID || !st.StartedAt.After(killed) {
		t.Fatalf("after the kill: peer id %s (was %s), started %s", st.PeerID, ourID, st.StartedAt)
	}
	t.Logf("Host actor killed and back with peer id %s, handshaked with Prysm %s after the kill", st.PeerID,
		time.Since(killed).Round(time.Millisecond))

	// Gossip: blocks and attestations for an epoch, every signature checked against the interop keys.
	window := time.Duration(d.Spec.SlotsPerEpoch) * d.Spec.SlotDuration
	if v := os.Getenv(gossipEnv); v != "" {
		if window, err = time.ParseDuration(v); err != nil {
			t.Fatalf("%s: %v", gossipEnv, err)
		}
	}
	before := gossipStatus(t, system, gossipPID)
	time.Sleep(window)
	after := gossipStatus(t, system, gossipPID)
	blocksSeen := total(after.Verdicts[gossip.BeaconBlock]) - total(before.Verdicts[gossip.BeaconBlock])
	attsSeen := total(after.Verdicts[gossip.BeaconAttestation]) - total(before.Verdicts[gossip.BeaconAttestation])
	t.Logf("Gossip over %s: %d blocks, %d attestations; verdicts %v; %d signatures in %d batches", window, blocksSeen,
		attsSeen, after.Verdicts, after.BatchedSignatures, after.Batches)
	if minBlocks := int(window / d.Spec.SlotDuration / 2); blocksSeen < uint64(minBlocks) || attsSeen == 0 {
		t.Fatalf("too little gossip: %d blocks (want >= %d), %d attestations", blocksSeen, minBlocks, attsSeen)
	}
	for _, k := range []gossip.Kind{gossip.BeaconBlock, gossip.BeaconAttestation, gossip.BeaconAggregateAndProof} {
		if r := after.Verdicts[k][gossip.Reject]; r != 0 {
			t.Errorf("%d %s messages from Prysm rejected", r, k)
		}
	}

	// Prysm kept us: still connected, and it reports us as connected.
	if prysmInfo(peersStatus(t, system, peersPID), d.PeerID) == nil {
		t.Fatal("Prysm disconnected")
	}
	state := d.PeerState(t, ourID)
	if state != "connected" {
		t.Fatalf("Prysm sees us as %q", state)
	}
	t.Logf("Prysm keeps the connection after %s", time.Since(start).Round(time.Second))
}

type interopPubkeys map[primitives.ValidatorIndex]*bls.PublicKey

func (k interopPubkeys) Pubkey(i primitives.ValidatorIndex) (*bls.PublicKey, bool) {
	pk, ok := k[i]
	return pk, ok
}

func total(v [3]uint64) uint64 { return v[0] + v[1] + v[2] }

func lastSlot(b []reqresp.Block) primitives.Slot {
	if len(b) == 0 {
		return 0
	}
	return b[len(b)-1].Slot
}

func verifyProposer(t *testing.T, d *prysmdevnet.Devnet, pubkeys interopPubkeys, b reqresp.Block) {
	t.Helper()
	var sb types.SignedBeaconBlock
	if err := types.Unmarshal(b.SSZ, &sb); err != nil {
		t.Fatalf("block at slot %d: %v", b.Slot, err)
	}
	if b.Slot == 0 {
		return // the genesis block is unsigned
	}
	pk, ok := pubkeys.Pubkey(sb.Message.ProposerIndex)
	if !ok {
		t.Fatalf("block at slot %d: unknown proposer %d", b.Slot, sb.Message.ProposerIndex)
	}
	epoch := primitives.Epoch(uint64(b.Slot) / d.Spec.SlotsPerEpoch)
	dom := params.ComputeDomain(params.DomainBeaconProposer, d.Spec.ComputeForkVersion(epoch), d.GVR)
	root := params.ComputeSigningRoot(types.HashTreeRoot(sb.Message), dom)
	sig, err := bls.SignatureFromBytes(sb.Signature[:])
	if err != nil || !bls.Verify(pk, root[:], sig) {
		t.Fatalf("block at slot %d: proposer signature invalid (%v)", b.Slot, err)
	}
}

func publishBLSChange(t *testing.T, system *actor.ActorSystem, pid *actor.PID, d *prysmdevnet.Devnet, keys []*bls.SecretKey) {
	t.Helper()
	const index = 7
	change := &types.BLSToExecutionChange{ValidatorIndex: index, FromBLSPubkey: keys[index].PublicKey().Bytes()}
	copy(change.ToExecutionAddress[:], bytes.Repeat([]byte{0x5a}, 20))
	dom := params.ComputeDomain(params.DomainBLSToExecutionChange, d.Spec.ForkVersion(params.Phase0), d.GVR)
	root := params.ComputeSigningRoot(types.HashTreeRoot(change), dom)
	signed := &types.SignedBLSToExecutionChange{Message: change, Signature: keys[index].Sign(root[:]).Bytes()}
	ssz, err := types.Marshal(signed)
	if err != nil {
		t.Fatal(err)
	}
	res, err := system.Root.RequestFuture(pid, &peers.Publish{Kind: gossip.BLSToExecutionChange, SSZ: ssz}, 10*time.Second).Result()
	if err != nil || res.(*peers.Published).Err != nil {
		t.Fatalf("publish: %v %+v", err, res)
	}
	// Prysm takes it into its pool, and later into a block, after which its validator has the new credentials.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var pool struct {
			Data []struct {
				Message struct {
					ValidatorIndex string `json:"validator_index"`
				} `json:"message"`
			} `json:"data"`
		}
		d.GetJSON(t, "/eth/v1/beacon/pool/bls_to_execution_changes", &pool)
		for _, c := range pool.Data {
			if c.Message.ValidatorIndex == strconv.Itoa(index) {
				t.Logf("Prysm accepted our BLS-to-execution change for validator %d (in its pool)", index)
				return
			}
		}
		var v struct {
			Data struct {
				Validator struct {
					WithdrawalCredentials string `json:"withdrawal_credentials"`
				} `json:"validator"`
			} `json:"data"`
		}
		d.GetJSON(t, fmt.Sprintf("/eth/v1/beacon/states/head/validators/%d", index), &v)
		if strings.HasPrefix(v.Data.Validator.WithdrawalCredentials, "0x01") &&
			strings.HasSuffix(v.Data.Validator.WithdrawalCredentials, strings.Repeat("5a", 20)) {
			t.Logf("Prysm included our BLS-to-execution change: validator %d now has %s", index, v.Data.Validator.WithdrawalCredentials)
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatal("Prysm did not take our BLS-to-execution change within 30 s")
}

func askBlocks(t *testing.T, system *actor.ActorSystem, pid *actor.PID, req any) *peers.BlocksResponse {
	t.Helper()
	res, err := system.Root.RequestFuture(pid, req, 90*time.Second).Result()
	if err != nil {
		t.Fatalf("%T: %v", req, err)
	}
	resp := res.(*peers.BlocksResponse)
	if resp.Err != nil {
		t.Fatalf("%T %+v: %v", req, req, resp.Err)
	}
	return resp
}

func peersStatus(t *testing.T, system *actor.ActorSystem, pid *actor.PID) peers.Status {
	t.Helper()
	res, err := system.Root.RequestFuture(pid, &peers.StatusRequest{}, 5*time.Second).Result()
	if err != nil {
		return peers.Status{}
	}
	return res.(*peers.StatusResponse).Status
}

func gossipStatus(t *testing.T, system *actor.ActorSystem, pid *actor.PID) gossip.Status {
	t.Helper()
	res, err := system.Root.RequestFuture(pid, &gossip.StatusRequest{}, 5*time.Second).Result()
	if err != nil {
		t.Fatal(err)
	}
	return res.(*gossip.StatusResponse).Status
}

func prysmInfo(s peers.Status, id string) *peers.PeerInfo {
	for i := range s.Peers {
		if s.Peers[i].ID == id {
			return &s.Peers[i]
		}
	}
	return nil
}

func waitHandshake(t *testing.T, system *actor.ActorSystem, pid *actor.PID, prysm string, within time.Duration) peers.Status {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		s := peersStatus(t, system, pid)
		if p := prysmInfo(s, prysm); p != nil && p.Handshaked {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("no handshake with Prysm within %s; status %+v", within, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func mustAddrPort(t *testing.T, s string) netip.AddrPort {
	t.Helper()
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		t.Fatal(err)
	}
	return ap
}
