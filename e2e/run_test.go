// Package e2e_test runs the salamander binary end to end against a real Prysm devnet on loopback.
package e2e_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/salamander-client/salamander/e2e/prysmdevnet"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/supervisor"
)

// TestRunJoinsPrysmDevnet: `salamander run` with nothing but the devnet's standard config.yaml, a start state and
// Prysm's ENR as its bootnode finds Prysm through discv5, connects and completes the handshake; Prysm reports it
// connected; it range-syncs up to Prysm's head, then follows it for a few slots with the same head block, and its
// chain checker accepts Prysm's gossip blocks and attestations, rejecting none (from genesis.ssz only: that waits
// for the epoch's end); SIGINT stops it with exit code 0. The start state is the devnet's genesis.ssz, or Prysm's finalized state by checkpoint
// sync.
func TestRunJoinsPrysmDevnet(t *testing.T) {
	d := prysmdevnet.Start(t)
	bin := buildSalamander(t)
	// A chain a little over an epoch long: the node joins behind Prysm's head and range-syncs through an epoch
	// transition. That is some 200 s of 6 s slots, past WaitHeadSlot's patience.
	want := primitives.Slot(params.SlotsPerEpoch + 2)
	for deadline := time.Now().Add(5 * time.Minute); d.HeadSlot(t) < want; time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			t.Fatalf("Prysm's head did not reach slot %d", want)
		}
	}

	t.Run("from genesis.ssz", func(t *testing.T) {
		runAndJoin(t, d, bin, fmt.Sprintf("genesis_state = %q\n", d.GenesisState()), "Start from the genesis state complete", true)
	})
	t.Run("by checkpoint sync", func(t *testing.T) {
		runAndJoin(t, d, bin, fmt.Sprintf("\n[sync]\ncheckpoint_sync_url = %q\n", d.API), "Checkpoint sync complete", false)
	})
}

// runAndJoin runs salamander with a TOML file made of the devnet's chain config, start (the rest of [node], or
// further sections) and Prysm's ENR as bootnode; it checks the node logged anchored, then joins Prysm, and stops
// it with SIGINT.
func runAndJoin(t *testing.T, d *prysmdevnet.Devnet, bin, start, anchored string, gossipEpoch bool) {
	dataDir := t.TempDir()
	debugPort := prysmdevnet.FreePort(t)
	toml := fmt.Sprintf(`[log]
format = "json"

[p2p]
listen_tcp = "127.0.0.1:%d"
listen_udp = "127.0.0.1:%d"
bootnodes = [%q]
target_peers = 4
max_peers = 8

[debug]
listen = "127.0.0.1:%d"

[node]
data_dir = %q
network = "devnet"
chain_config = %q
%s`, prysmdevnet.FreePort(t), prysmdevnet.FreeUDPPort(t), d.ENR, debugPort, dataDir, d.ChainConfig(), start)
	configPath := filepath.Join(t.TempDir(), "salamander.toml")
	if err := os.WriteFile(configPath, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}

	target, _ := d.Head(t)
	node := startNode(t, bin, "run", "--config", configPath)
	begin := time.Now()
	node.waitFor(t, anchored, 60*time.Second, nil)
	running := node.waitFor(t, "Network running", 60*time.Second, nil)
	ourID, _ := running["peer_id"].(string)
	if ourID == "" || running["fork_digest"] == nil {
		t.Fatalf("network running without a peer id or digest: %v", running)
	}
	t.Logf("Salamander %s on digest %v, ENR %v", ourID, running["fork_digest"], running["enr"])

	// Discovery from the bootnode's ENR alone (no static peers), then the status and metadata handshake.
	handshake := node.waitFor(t, "Peer handshake complete", 90*time.Second, func(r logRecord) bool { return r["peer"] == d.PeerID })
	t.Logf("Found and handshook Prysm %s in %s: %v", d.PeerID, time.Since(begin).Round(time.Millisecond), handshake)

	// Prysm sees us connected.
	deadline := time.Now().Add(30 * time.Second)
	last := "?"
	for state := d.PeerState(t, ourID); state != "connected"; state = d.PeerState(t, ourID) {
		if state != last {
			t.Logf("Prysm sees us as %q, %s after start", state, time.Since(begin).Round(time.Millisecond))
			last = state
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prysm sees us (%s) as %q, want connected", ourID, state)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("Prysm reports %s connected, %s after start", ourID, time.Since(begin).Round(time.Millisecond))

	// The live tree: the network actors run, none restarted.
	tree := debugActors(t, fmt.Sprintf("http://127.0.0.1:%d/debug/actors", debugPort))
	for _, name := range []string{"peers", "gossip"} {
		a, ok := tree.Find(name)
		if !ok || a.State != supervisor.StateRunning || a.Restarts != 0 {
			t.Errorf("/debug/actors: %s is %+v, want running without restarts", name, a)
		}
	}

	followPrysm(t, d, node, begin, target)
	if gossipEpoch {
		checkGossipVerdicts(t, d, node)
	}

	// SIGINT: a graceful stop, exit 0.
	if err := node.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	stopping := time.Now()
	if code := node.wait(t, 40*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGINT, want 0:\n%s", code, node.logs())
	}
	t.Logf("Stopped by SIGINT in %s", time.Since(stopping).Round(time.Millisecond))
	node.waitFor(t, "Shutdown complete", time.Second, nil)
	for _, r := range node.records() {
		if r["level"] == "WARN" || r["level"] == "ERROR" {
			t.Logf("salamander logged %v: %v", r["level"], r)
		}
	}
}

// Bounds of the sync checks: catching up with a devnet a few minutes old, and following it.
const (
	catchUpWithin = 2 * time.Minute
	followSlots   = 3
)

// followPrysm checks that the node catches up with Prysm's head slot when it started, target (its blocksync logs
// a "Block" line with fork choice's head for each block it imports), then follows it for followSlots slots, its
// head the same block as Prysm's.
func followPrysm(t *testing.T, d *prysmdevnet.Devnet, node *process, begin time.Time, target primitives.Slot) {
	t.Helper()
	node.waitFor(t, "No execution client is configured: following the chain optimistically, every execution payload "+
		"unverified (NOT_VALIDATED); blocks with blobs cannot be imported until column sidecars are retrieved", time.Second, nil)
	caughtUp := node.waitFor(t, "Block", catchUpWithin, func(r logRecord) bool { return slotOf(r, "head_slot") >= target })
	var first logRecord
	blocks := 0
	for _, r := range node.records() {
		if r["msg"] != "Block" {
			continue
		}
		if first == nil {
			first = r
		}
		blocks++
		if slotOf(r, "slot") == slotOf(caughtUp, "slot") {
			break
		}
	}
	importing := timeOf(t, caughtUp).Sub(timeOf(t, first))
	t.Logf("Caught up with Prysm's head slot %d %s after start: %d blocks from slot %d in %s, %.1f blocks/s",
		target, timeOf(t, caughtUp).Sub(begin).Round(time.Millisecond), blocks, slotOf(first, "slot"),
		importing.Round(time.Millisecond), float64(blocks)/max(importing.Seconds(), 0.001))

	// Following: for each of Prysm's next blocks, the node imports it and has the same head as Prysm, within a
	// slot or two (no gossip delivery to blocksync: range requests every slot bring it).
	slotTime := time.Duration(d.Spec.SecondsPerSlot) * time.Second
	start, _ := d.Head(t)
	for matched := 0; matched < followSlots; {
		slot, _ := d.Head(t)
		if slot <= start {
			time.Sleep(500 * time.Millisecond)
			continue
		}
		node.waitFor(t, "Block", 2*slotTime+10*time.Second, func(r logRecord) bool { return slotOf(r, "head_slot") >= slot })
		deadline := time.Now().Add(slotTime)
		for {
			prysmSlot, root := d.Head(t)
			ours := node.last("Block")
			if ours["head"] == shortRoot(root) {
				t.Logf("Following: our head slot %v root %v, Prysm's slot %d root %s", ours["head_slot"], ours["head"], prysmSlot, root)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("our head is slot %v root %v, Prysm's slot %d root %s", ours["head_slot"], ours["head"], prysmSlot, root)
			}
			time.Sleep(200 * time.Millisecond)
		}
		start = slot
		matched++
	}
	for _, r := range node.records() {
		if r["msg"] == "Block refused" {
			t.Errorf("salamander refused a block of Prysm's chain: %v", r)
		}
	}
}

// checkGossipVerdicts waits for the node's first summary of an epoch's gossip verdicts (an epoch of 6 s slots,
// once): the chain checker accepted Prysm's blocks and attestations, so gossipsub forwarded them, and rejected
// nothing of an honest node's.
func checkGossipVerdicts(t *testing.T, d *prysmdevnet.Devnet, node *process) {
	t.Helper()
	epoch := time.Duration(params.SlotsPerEpoch*d.Spec.SecondsPerSlot) * time.Second
	summary := node.waitFor(t, "Gossip verdicts", epoch+30*time.Second, nil)
	t.Logf("Gossip verdicts (accepted/ignored/rejected) of epoch %v: %v", summary["epoch"], summary)
	accepted := func(kind string) int {
		var a, i, r int
		v, _ := summary[kind].(string)
		if _, err := fmt.Sscanf(v, "%d/%d/%d", &a, &i, &r); err != nil && v != "" {
			t.Fatalf("%s verdicts %q: %v", kind, v, err)
		}
		if r != 0 {
			t.Errorf("%d %s messages of Prysm's rejected", r, kind)
		}
		return a
	}
	if n := accepted("beacon_block"); n == 0 {
		t.Errorf("no gossip block of Prysm's accepted: %v", summary)
	}
	if n := accepted("beacon_aggregate_and_proof") + accepted("beacon_attestation"); n == 0 {
		t.Errorf("no gossip attestation or aggregate of Prysm's accepted: %v", summary)
	}
	for _, kind := range []string{"sync_committee_contribution_and_proof", "sync_committee", "data_column_sidecar"} {
		accepted(kind)
	}
}

// shortRoot abbreviates a 0x-prefixed hex root as salamander's logs do: its first four bytes.
func shortRoot(root string) string {
	if len(root) < 10 {
		return root
	}
	return root[:10]
}

// timeOf reads the time of a JSON log record.
func timeOf(t *testing.T, r logRecord) time.Time {
	t.Helper()
	s, _ := r["time"].(string)
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("log record without a time: %v", r)
	}
	return at
}

// slotOf reads a slot field of a JSON log record.
func slotOf(r logRecord, key string) primitives.Slot {
	switch v := r[key].(type) {
	case float64:
		return primitives.Slot(v)
	case string:
		s, _ := strconv.ParseUint(v, 10, 64)
		return primitives.Slot(s)
	}
	return 0
}

// buildSalamander builds the salamander binary (this test's preset: mainnet) with the portable blst flags.
func buildSalamander(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "salamander")
	build := exec.Command("go", "build", "-o", bin, "./cmd/salamander")
	build.Dir = prysmdevnet.RepoRoot()
	build.Env = append(os.Environ(), "CGO_CFLAGS=-O2 -D__BLST_PORTABLE__")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// logRecord is one JSON log line.
type logRecord map[string]any

// process is a running salamander whose JSON log lines the test reads as they come.
type process struct {
	cmd    *exec.Cmd
	exited chan error

	mu    sync.Mutex
	lines []string
	recs  []logRecord
	added chan struct{} // signalled after each line
}

func startNode(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), exited: make(chan error, 1), added: make(chan struct{}, 1)}
	p.cmd.Env = cleanEnv()
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
		for sc.Scan() {
			var r logRecord
			_ = json.Unmarshal(sc.Bytes(), &r)
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.recs = append(p.recs, r)
			p.mu.Unlock()
			select {
			case p.added <- struct{}{}:
			default:
			}
		}
	}()
	go func() {
		<-scanned // Wait closes the pipe: read it to the end first
		p.exited <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		select {
		case err := <-p.exited:
			p.exited <- err
		default: // still running: the test failed before stopping it
			_ = p.cmd.Process.Kill()
			p.exited <- <-p.exited
		}
		if t.Failed() {
			t.Logf("salamander's log:\n%s", p.logs())
		}
	})
	return p
}

func (p *process) records() []logRecord {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]logRecord(nil), p.recs...)
}

// last is the latest log record with message msg, nil if none.
func (p *process) last(msg string) logRecord {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.recs) - 1; i >= 0; i-- {
		if p.recs[i]["msg"] == msg {
			return p.recs[i]
		}
	}
	return nil
}

func (p *process) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// waitFor returns the first log record with message msg that match accepts (nil: any).
func (p *process) waitFor(t *testing.T, msg string, within time.Duration, match func(logRecord) bool) logRecord {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	seen := 0
	for {
		p.mu.Lock()
		recs := p.recs[seen:]
		seen = len(p.recs)
		p.mu.Unlock()
		for _, r := range recs {
			if r["msg"] == msg && (match == nil || match(r)) {
				return r
			}
		}
		select {
		case <-p.added:
		case err := <-p.exited:
			p.exited <- err
			t.Fatalf("salamander exited (%v) before logging %q", err, msg)
		case <-deadline.C:
			t.Fatalf("salamander did not log %q within %s", msg, within)
		}
	}
}

// wait returns the exit code.
func (p *process) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case err := <-p.exited:
		p.exited <- err
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(within):
		t.Fatalf("salamander did not exit within %s", within)
		return -1
	}
}

// cleanEnv is the environment without SALAMANDER_ variables, which would change the node's configuration.
func cleanEnv() []string {
	var env []string
	for _, v := range os.Environ() {
		if !strings.HasPrefix(v, "SALAMANDER_") {
			env = append(env, v)
		}
	}
	return env
}

func debugActors(t *testing.T, url string) supervisor.ActorStatus {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	var s supervisor.ActorStatus
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return s
}
