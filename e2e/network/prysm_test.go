// Package network_test runs the network actors end to end against a real Prysm v7 devnet on loopback, started by
// ../shared/peers/prysm-devnet.sh with its own run directory and ports.
package network_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// keepEnv sets how long Prysm must keep the connection after the host actor's restart (a Go duration, at least the
// gossip window); the default is the gossip window, short enough for CI. The networking issue's goal is 10m.
const keepEnv = "SALAMANDER_E2E_KEEP_WINDOW"

// TestNetworkAgainstPrysm runs the peers and gossip actors against a Prysm v7 devnet: discovery through discv5,
// the handshake, sync by range and by root, publishing, a crash of the host actor, gossip for one epoch
// (SALAMANDER_E2E_GOSSIP_WINDOW), and the connection kept for SALAMANDER_E2E_KEEP_WINDOW from the moment Prysm
// reports the reconnection after the crash (default: the gossip window, for CI; the networking issue asks for 10
// minutes: `SALAMANDER_E2E_KEEP_WINDOW=10m go test ./e2e/network -run TestNetworkAgainstPrysm -v -timeout 30m`).
// Through the window, polled every two seconds, Prysm stays connected and handshaked on our side and reports us
// connected on its own; Prysm says no goodbye, and we neither reconnect, ban it nor drop it for its score. The test
// then logs Prysm's peer count, its view of us, its average score of its peers (its metrics: the Beacon API has
// no scores), its log lines about goodbyes, bans or disconnections of us, and our gossip verdicts.
func TestNetworkAgainstPrysm(t *testing.T) {
	d := prysmdevnet.Start(t)
	events := &peerEvents{peer: d.PeerID, counts: map[string]int{}}
	keys, err := bls.InteropSecretKeys(64)
	if err != nil {
		t.Fatal(err)
	}
	pubkeys := interopPubkeys{}
	for i, k := range keys {
		pubkeys[primitives.ValidatorIndex(i)] = k.PublicKey()
	}

	system := actor.NewActorSystem()
	peersLog := slog.New(&peerEventHandler{events: events, next: slog.Default().Handler()})
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
	}, actors.WithFaults(faults), actors.WithMailbox(actors.PeerMailbox()), actors.WithLogger(peersLog)), "net-peers")
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

	// Gossip: blocks and attestations for an epoch, every signature checked against the interop keys, while the
	// connection is watched.
	window := time.Duration(d.Spec.SlotsPerEpoch) * d.Spec.SlotDuration
	if v := os.Getenv(gossipEnv); v != "" {
		if window, err = time.ParseDuration(v); err != nil {
			t.Fatalf("%s: %v", gossipEnv, err)
		}
	}
	keep := window
	if v := os.Getenv(keepEnv); v != "" {
		if keep, err = time.ParseDuration(v); err != nil {
			t.Fatalf("%s: %v", keepEnv, err)
		}
		keep = max(keep, window)
	}
	// Prysm registers the new connection a moment after our handshake: the watch starts once it reports it.
	for state := d.PeerState(t, ourID); state != "connected"; state = d.PeerState(t, ourID) {
		if time.Since(killed) > 2*d.Spec.SlotDuration {
			t.Fatalf("Prysm sees us as %q %s after the kill", state, time.Since(killed).Round(time.Millisecond))
		}
		time.Sleep(200 * time.Millisecond)
	}
	reconnected := time.Now()
	t.Logf("Prysm reports us connected %s after the kill", reconnected.Sub(killed).Round(time.Millisecond))
	base := events.snapshot() // the kill's disconnection and reconnection are not the watch's business
	t.Logf("Our log about Prysm before the watch: %v", base)
	before := gossipStatus(t, system, gossipPID)
	watchConnection(t, d, system, peersPID, ourID, events, base, reconnected.Add(window))
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

	// Keep: the same connection for the rest of the keep window.
	if keep > window {
		watchConnection(t, d, system, peersPID, ourID, events, base, reconnected.Add(keep))
		final := gossipStatus(t, system, gossipPID)
		t.Logf("Gossip over the whole keep window of %s: verdicts %v; %d signatures in %d batches", keep,
			final.Verdicts, final.BatchedSignatures, final.Batches)
		for k, v := range final.Verdicts {
			if r := v[gossip.Reject]; r != 0 {
				t.Errorf("%d %s messages from Prysm rejected", r, k)
			}
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
	logPrysmView(t, d, ourID)
	t.Logf("Prysm keeps the connection %s after the reconnection (%s since the first handshake); our log about "+
		"Prysm: %v", time.Since(reconnected).Round(time.Second), time.Since(start).Round(time.Second), events.snapshot())
}

// Messages of the peers actor's log that the test counts for Prysm's peer.
const (
	msgConnected  = "Peer connected"
	msgHandshake  = "Peer handshake complete"
	msgGoodbye    = "Peer said goodbye"
	msgBan        = "Banning peer"
	msgBadScore   = "Disconnecting peer with a bad score"
	msgHandshakeF = "Handshake failed"
)

// countedMessages are the messages peerEvents counts; gossipsub's own records about the peer are left out.
var countedMessages = []string{msgConnected, msgHandshake, msgGoodbye, msgBan, msgBadScore, msgHandshakeF}

// watchConnection polls both sides every two seconds until deadline: Prysm stays in our peer list with the
// handshake done, Prysm reports us as connected, and our log has, since base, no new handshake (a reconnection a
// poll could miss), goodbye, ban or bad-score disconnect about Prysm.
func watchConnection(t *testing.T, d *prysmdevnet.Devnet, system *actor.ActorSystem, pid *actor.PID, ourID string,
	events *peerEvents, base map[string]int, deadline time.Time) {
	t.Helper()
	lastReport := time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(min(2*time.Second, time.Until(deadline)))
		st := peersStatus(t, system, pid)
		if st.PeerID == "" {
			continue // the request timed out on a busy machine: no answer is not an answer
		}
		if p := prysmInfo(st, d.PeerID); p == nil || !p.Handshaked {
			t.Fatalf("Prysm dropped out of our peers (%+v); our log about it: %v", p, events.snapshot())
		}
		if state := d.PeerState(t, ourID); state != "connected" {
			t.Fatalf("Prysm sees us as %q; our log about it: %v", state, events.snapshot())
		}
		for _, msg := range countedMessages {
			if n := events.count(msg) - base[msg]; n != 0 {
				t.Fatalf("%q %d times about Prysm during the watch (a goodbye, a ban or a new connection); our log "+
					"about it: %v, before the watch %v", msg, n, events.snapshot(), base)
			}
		}
		if time.Since(lastReport) >= time.Minute {
			lastReport = time.Now()
			t.Logf("Still connected to Prysm, %s to go", time.Until(deadline).Round(time.Second))
		}
	}
}

// logPrysmView logs what Prysm's Beacon API and metrics say about its peers and about us.
func logPrysmView(t *testing.T, d *prysmdevnet.Devnet, ourID string) {
	t.Helper()
	var count struct {
		Data map[string]string `json:"data"`
	}
	if code := d.GetJSON(t, "/eth/v1/node/peer_count", &count); code == http.StatusOK {
		t.Logf("Prysm's peer count: %v", count.Data)
	}
	var us struct {
		Data map[string]any `json:"data"`
	}
	if code := d.GetJSON(t, "/eth/v1/node/peers/"+ourID, &us); code == http.StatusOK {
		t.Logf("Prysm's view of us: %v", us.Data)
	}
	// The Beacon API shows no score; Prysm's metrics have the average score of its connected peers by agent.
	port := ""
	for _, kv := range d.Env {
		if v, ok := strings.CutPrefix(kv, "CL_METRICS="); ok {
			port = v
		}
	}
	resp, err := http.Get("http://127.0.0.1:" + port + "/metrics")
	if err != nil {
		t.Logf("Prysm's metrics: %v", err)
		return
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		t.Logf("Prysm's metrics: %v", err)
		return
	}
	var lines []string
	for line := range strings.Lines(string(body)) {
		for _, name := range []string{"connected_libp2p_peers", "p2p_peer_count{"} {
			if strings.HasPrefix(line, name) {
				lines = append(lines, strings.TrimSpace(line))
			}
		}
	}
	t.Logf("Prysm's peer metrics: %s", strings.Join(lines, "; "))
	// Prysm logs its goodbyes, bans and disconnections with the peer's ID.
	raw, err := os.ReadFile(filepath.Join(d.RunDir, "beacon.log"))
	if err != nil {
		t.Logf("Prysm's log: %v", err)
		return
	}
	var about []string
	for line := range strings.Lines(string(raw)) {
		lower := strings.ToLower(line)
		if strings.Contains(line, ourID) && (strings.Contains(lower, "goodbye") || strings.Contains(lower, "ban") ||
			strings.Contains(lower, "disconnect") || strings.Contains(lower, "bad")) {
			about = append(about, strings.TrimSpace(line))
		}
	}
	t.Logf("Prysm's log has %d lines about goodbyes, bans or disconnections of our peer%s", len(about),
		strings.Join(append([]string{""}, about[:min(len(about), 10)]...), "\n  "))
}

// peerEvents counts the peers actor's log messages about one peer.
type peerEvents struct {
	peer   string
	mu     sync.Mutex
	counts map[string]int
}

func (e *peerEvents) add(msg string) {
	if !slices.Contains(countedMessages, msg) {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.counts[msg]++
}

func (e *peerEvents) count(msg string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.counts[msg]
}

func (e *peerEvents) snapshot() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.counts)
}

// peerEventHandler feeds peerEvents from every record that names its peer, debug ones included, and passes the
// records at info and above on to next.
type peerEventHandler struct {
	events *peerEvents
	next   slog.Handler
}

func (h *peerEventHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *peerEventHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "peer" && a.Value.String() == h.events.peer {
			h.events.add(r.Message)
			return false
		}
		return true
	})
	if r.Level < slog.LevelInfo || !h.next.Enabled(ctx, r.Level) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

func (h *peerEventHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &peerEventHandler{events: h.events, next: h.next.WithAttrs(attrs)}
}

func (h *peerEventHandler) WithGroup(name string) slog.Handler {
	return &peerEventHandler{events: h.events, next: h.next.WithGroup(name)}
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
