// Package devnet_test runs `salamander dev` end to end, built with the minimal preset as README command 1 runs it:
// a devnet of 64 interop validators reaches finality with a block in every slot, stops on Ctrl-C and continues
// its chain from the database, refuses to sign slashable messages after the restart, exports its chain for
// Lodestar's state transition to replay with every state root equal to ours, and keeps finalizing while chaos
// kills an actor every few seconds.
//
// The tests run in the minimal test build only (go test -tags minimal), where they can read the exported SSZ.
package devnet_test

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/internal/lodestarstf"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
	"github.com/salamander-client/salamander/validator"
	"github.com/salamander-client/salamander/validator/slashingprotection"
)

// Figures of the done-when criteria.
const (
	validators           = 64
	finalityTarget       = 3               // finalized epoch to reach
	finalityDeadline     = 5 * time.Minute // within this long of the start
	exportSlots          = 64              // slots the exported chain must span
	minParticipation     = 95.0            // percent, every epoch
	secondsPerSlotFlag   = "1"
	chaosDurationEnv     = "SALAMANDER_E2E_CHAOS_DURATION" // the chaos run's length; default defaultChaosDuration
	defaultChaosDuration = 2 * time.Minute
)

func skipUnlessMinimal(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a devnet for minutes")
	}
	if params.PresetName != "minimal" {
		t.Skip("runs in the minimal test build (go test -tags minimal), as README command 1 runs the devnet")
	}
}

// TestDevnet is the devnet's life: finality, Ctrl-C and a restart that continues the chain, slashing protection
// across the restart, then the export and its replay through Lodestar. Each step needs the one before.
func TestDevnet(t *testing.T) {
	skipUnlessMinimal(t)
	bin := buildBinary(t)
	dataDir := t.TempDir()
	first := newChainLog()

	if !t.Run("finality", func(t *testing.T) { testFinality(t, bin, dataDir, first) }) {
		return
	}
	second := newChainLog()
	if !t.Run("restart continues the chain", func(t *testing.T) { testRestart(t, bin, dataDir, first, second) }) {
		return
	}
	t.Run("slashing protection after the restart", func(t *testing.T) { testSlashingProtection(t, dataDir, first) })
	t.Run("export and Lodestar replay", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "export")
		m := exportChain(t, bin, dataDir, out)
		if len(m.Blocks) < exportSlots || m.Blocks[len(m.Blocks)-1].Slot < exportSlots {
			t.Fatalf("the export has %d blocks up to slot %d, want a chain of at least %d slots", len(m.Blocks),
				m.Blocks[len(m.Blocks)-1].Slot, exportSlots)
		}
		checkNoBlockLost(t, m, first, second)
		replayThroughLodestar(t, out, m)
	})
}

// testFinality runs the devnet until it has finalized finalityTarget and spans exportSlots slots, and checks every
// slot has its block and every epoch the participation; then stops it with SIGINT.
func testFinality(t *testing.T, bin, dataDir string, log *chainLog) {
	start := time.Now()
	n := startNode(t, bin, dataDir, "--seconds-per-slot", secondsPerSlotFlag, "--validators", "64")
	n.waitFor("the devnet's genesis", time.Minute, func(r record) bool { return r.Msg == "Created the devnet's genesis" })
	var finalizedAt time.Duration
	n.waitFor("finality and enough slots", finalityDeadline+2*time.Minute, func(r record) bool {
		log.add(r)
		if finalizedAt == 0 && log.finalized >= finalityTarget {
			finalizedAt = time.Since(start)
		}
		return log.finalized >= finalityTarget && log.head >= exportSlots
	})
	if finalizedAt > finalityDeadline {
		t.Errorf("finalized epoch %d after %s, want within %s", finalityTarget, finalizedAt.Round(time.Second), finalityDeadline)
	}
	t.Logf("finalized epoch %d after %s; head at slot %d after %s", finalityTarget, finalizedAt.Round(time.Second),
		log.head, time.Since(start).Round(time.Second))

	for slot := uint64(1); slot <= log.head; slot++ {
		if _, ok := log.blocks[slot]; !ok {
			t.Errorf("slot %d has no block", slot)
		}
	}
	if len(log.missed) > 0 {
		t.Errorf("slots missed: %v", log.missed)
	}
	for _, e := range log.epochs {
		if p := e.participation(); p < minParticipation {
			t.Errorf("epoch %d: participation %s, want at least %.0f%%", e.Epoch, e.Participation, minParticipation)
		}
	}
	if len(log.failures) > 0 {
		t.Errorf("errors logged: %q", log.failures)
	}
	if code := n.interrupt(); code != 0 {
		t.Fatalf("exit %d after SIGINT, want 0:\n%s", code, n.tail(40))
	}
	if !strings.Contains(n.tail(1), "Shutdown complete") {
		t.Errorf("last line %q, want Shutdown complete", n.tail(1))
	}
}

// testRestart starts the node again on the same data directory: it must resume at the head it stopped at and
// extend that chain.
func testRestart(t *testing.T, bin, dataDir string, before, log *chainLog) {
	n := startNode(t, bin, dataDir)
	resumed := n.waitFor("the resume", time.Minute, func(r record) bool { return r.Msg == "Resuming from database" })
	if resumed.HeadSlot != before.head {
		t.Errorf("resumed at head slot %d, want %d, where the first run stopped", resumed.HeadSlot, before.head)
	}
	if strings.Contains(strings.Join(n.log, "\n"), "Created the devnet's genesis") {
		t.Error("the restart made a new genesis")
	}
	n.waitFor("two new blocks", time.Minute, func(r record) bool {
		log.add(r)
		return len(log.blocks) >= 2
	})
	for slot := range log.blocks {
		if slot <= before.head {
			t.Errorf("a block at slot %d, not after the first run's head %d", slot, before.head)
		}
	}
	if code := n.interrupt(); code != 0 {
		t.Fatalf("exit %d after SIGINT, want 0:\n%s", code, n.tail(40))
	}
}

// testSlashingProtection signs, with the devnet's keys and slashing protection database, a block that conflicts
// with one the devnet proposed and a vote that surrounds its votes: both must be refused.
func testSlashingProtection(t *testing.T, dataDir string, log *chainLog) {
	state := readGenesis(t, filepath.Join(dataDir, "genesis.ssz"))
	db, err := slashingprotection.Open(slashingprotection.Path(dataDir), slashingprotection.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keys, err := bls.InteropSecretKeys(validators)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := params.NewSpec(params.DevnetConfig())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := validator.NewSigner(spec, state.GenesisValidatorsRoot, db, keys)
	if err != nil {
		t.Fatal(err)
	}

	// A block at a slot the devnet filled, by its proposer, with another body.
	slot := uint64(exportSlots / 2)
	proposed, ok := log.blocks[slot]
	if !ok {
		t.Fatalf("no block at slot %d in the first run", slot)
	}
	conflicting := &types.BeaconBlock{Slot: primitives.Slot(slot), ProposerIndex: primitives.ValidatorIndex(proposed.Proposer),
		ParentRoot: primitives.Root{0xde, 0xad}, StateRoot: primitives.Root{0xbe, 0xef}, Body: &types.BeaconBlockBody{}}
	_, err = signer.GetBlockSignature(state.Validators[proposed.Proposer].Pubkey, conflicting)
	if !errors.Is(err, slashingprotection.ErrSlashable) || !errors.Is(err, slashingprotection.ErrDoubleProposal) {
		t.Errorf("a second block at slot %d by proposer %d: err %v, want a refusal as a double proposal", slot, proposed.Proposer, err)
	}

	// A vote from genesis to beyond every epoch the devnet reached surrounds the votes validator 0 made.
	target := primitives.Epoch(log.head/params.SlotsPerEpoch + 4)
	surrounding := &types.AttestationData{Slot: primitives.Slot(uint64(target) * params.SlotsPerEpoch),
		Source: &types.Checkpoint{Epoch: 0}, Target: &types.Checkpoint{Epoch: target, Root: primitives.Root{0x01}}}
	_, err = signer.GetAttestationSignature(state.Validators[0].Pubkey, surrounding)
	if !errors.Is(err, slashingprotection.ErrSlashable) || !errors.Is(err, slashingprotection.ErrSurroundingVote) {
		t.Errorf("a vote from epoch 0 to %d: err %v, want a refusal as a surrounding vote", target, err)
	}
}

func readGenesis(t *testing.T, path string) *types.BeaconState {
	t.Helper()
	encoded, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	state := new(types.BeaconState)
	if err := types.Unmarshal(encoded, state); err != nil {
		t.Fatal(err)
	}
	return state
}

// manifest is the part of export-chain's manifest.json the tests read.
type manifest struct {
	Anchor struct {
		File      string `json:"file"`
		StateRoot string `json:"state_root"`
	} `json:"anchor"`
	Blocks []struct {
		File      string `json:"file"`
		Slot      uint64 `json:"slot"`
		Root      string `json:"root"`
		StateRoot string `json:"state_root"`
	} `json:"blocks"`
}

func exportChain(t *testing.T, bin, dataDir, out string) *manifest {
	t.Helper()
	cmd := exec.Command(bin, "db", "export-chain", out, "--data-dir", dataDir)
	cmd.Env = cleanEnv()
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("db export-chain: %v\n%s", err, output)
	}
	encoded, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := new(manifest)
	if err := json.Unmarshal(encoded, m); err != nil {
		t.Fatal(err)
	}
	if len(m.Blocks) == 0 {
		t.Fatal("the export has no block")
	}
	return m
}

// checkNoBlockLost checks that every block a run logged as imported is in the exported canonical chain.
func checkNoBlockLost(t *testing.T, m *manifest, logs ...*chainLog) {
	t.Helper()
	bySlot := map[uint64]string{}
	for _, b := range m.Blocks {
		bySlot[b.Slot] = b.Root
	}
	lost := 0
	for _, log := range logs {
		for slot, r := range log.blocks {
			if root, ok := bySlot[slot]; !ok || !strings.HasPrefix(root, r.Root) {
				t.Errorf("the block imported at slot %d (%s) is not in the exported chain (%q)", slot, r.Root, root)
				lost++
			}
		}
	}
	if lost == 0 {
		t.Logf("every imported block (%d) is in the exported chain of %d blocks", blocksOf(logs), len(m.Blocks))
	}
}

func blocksOf(logs []*chainLog) int {
	n := 0
	for _, l := range logs {
		n += len(l.blocks)
	}
	return n
}

// replayThroughLodestar replays an export with Lodestar's state transition (bench/lodestar/replay_chain.mjs) and
// requires every post-state root to be ours.
func replayThroughLodestar(t *testing.T, out string, m *manifest) {
	t.Helper()
	dir := installLodestar(t)
	source, err := os.ReadFile(filepath.Join(repoRoot(t), "bench", "lodestar", "replay_chain.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	// One copy per test process, since other test binaries may use the same installation at the same time.
	script, err := lodestarstf.WriteScript(dir, "salamander_replay_chain_"+strconv.Itoa(os.Getpid())+".mjs", source)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(script) })
	cmd := lodestarstf.Command(t.Context(), dir, "minimal", script, out)
	cmd.Stderr = os.Stderr
	output, err := cmd.Output()
	lines := strings.Split(strings.TrimSpace(string(output)), "\n")
	if err != nil {
		t.Fatalf("Lodestar replay: %v\n%s", err, strings.Join(lines[max(0, len(lines)-5):], "\n"))
	}
	type line struct {
		Slot       uint64  `json:"slot"`
		Root       string  `json:"root"`
		Want       string  `json:"want"`
		OK         bool    `json:"ok"`
		Done       bool    `json:"done"`
		Blocks     int     `json:"blocks"`
		Mismatches int     `json:"mismatches"`
		MS         float64 `json:"ms"`
		Error      string  `json:"error"`
	}
	checked := 0
	var done line
	for _, text := range lines {
		var l line
		if err := json.Unmarshal([]byte(text), &l); err != nil {
			t.Fatalf("Lodestar replay output %q: %v", text, err)
		}
		switch {
		case l.Error != "":
			t.Fatalf("Lodestar replay: %s", l.Error)
		case l.Done:
			done = l
		case !l.OK:
			t.Errorf("slot %d: Lodestar's post-state root %s, ours %s", l.Slot, l.Root, l.Want)
		default:
			checked++
		}
	}
	if !done.Done || done.Blocks != len(m.Blocks) || checked != len(m.Blocks) {
		t.Fatalf("Lodestar replayed %d of %d blocks (done: %+v)", checked, len(m.Blocks), done)
	}
	t.Logf("Lodestar replayed %d blocks up to slot %d in %.0f ms: every post-state root equals ours", checked,
		m.Blocks[len(m.Blocks)-1].Slot, done.MS)
}

// installLodestar installs Lodestar's state transition libraries once into the peers cache; without Node or the
// shared script the test is skipped.
func installLodestar(t *testing.T) string {
	t.Helper()
	dir, err := lodestarstf.ForTests(t.Context(), repoRoot(t))
	if errors.Is(err, lodestarstf.ErrUnavailable) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDevnetChaos runs the devnet while chaos kills a random actor every 5 s: finality keeps up (never more than
// two epochs behind its usual lag), no imported block is missing from the database, and no validator signed a
// slashable message. It reports the kills, restarts, finalized epochs and the process's peak RSS.
// SALAMANDER_E2E_CHAOS_DURATION sets the length (default 2m; 10m is the long version).
func TestDevnetChaos(t *testing.T) {
	skipUnlessMinimal(t)
	duration := defaultChaosDuration
	if v := os.Getenv(chaosDurationEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("%s=%q: want a positive duration", chaosDurationEnv, v)
		}
		duration = d
	}
	bin := buildBinary(t)
	dataDir := t.TempDir()
	n := startNode(t, bin, dataDir, "--seconds-per-slot", secondsPerSlotFlag, "--chaos", "--chaos-interval", "5s")
	log := newChainLog()
	kills, restarts := map[string]int{}, 0
	var peakRSS int64
	start := time.Now()
	deadline := start.Add(duration)
	nextSample := start
	for {
		r, ok := n.next(deadline)
		if time.Now().After(nextSample) {
			peakRSS = max(peakRSS, n.rss())
			nextSample = time.Now().Add(2 * time.Second)
		}
		if !ok {
			break
		}
		log.add(r)
		switch r.Msg {
		case "Chaos: killing an actor":
			kills[r.Actor]++
		case "Restarting actor":
			restarts++
		case "Supervision tree gave up":
			t.Fatalf("the tree gave up under chaos:\n%s", n.tail(60))
		}
	}
	if code := n.interrupt(); code != 0 {
		t.Fatalf("exit %d after SIGINT, want 0:\n%s", code, n.tail(40))
	}

	killed := 0
	for _, k := range kills {
		killed += k
	}
	if want := int(duration/(5*time.Second)) / 2; killed < want {
		t.Errorf("%d kills in %s, want at least %d", killed, duration, want)
	}
	// Finality's usual lag: at the first block of epoch e+1 the Epoch line of e reads finalized e-1. Chaos may add
	// two epochs to that, no more.
	var stalls []string
	worstLag := uint64(0)
	for _, e := range log.epochs {
		if e.Epoch >= 3 {
			worstLag = max(worstLag, e.Epoch-e.Finalized)
		}
		if e.Epoch >= 3 && e.Epoch-e.Finalized > 1+2 {
			stalls = append(stalls, strings.TrimSpace(e.Participation)+" at epoch "+itoa(e.Epoch)+", finalized "+itoa(e.Finalized))
		}
	}
	if len(stalls) > 0 {
		t.Errorf("finality stalled more than two epochs: %s", strings.Join(stalls, "; "))
	}
	if log.finalized < 2 {
		t.Errorf("finalized epoch %d after %s of chaos", log.finalized, duration)
	}

	out := filepath.Join(t.TempDir(), "export")
	m := exportChain(t, bin, dataDir, out)
	checkNoBlockLost(t, m, log)
	checkNothingSlashable(t, dataDir)
	replayThroughLodestar(t, out, m)

	names := make([]string, 0, len(kills))
	for name, k := range kills {
		names = append(names, name+"="+strconv.Itoa(k))
	}
	slices.Sort(names)
	t.Logf("chaos for %s: %d kills (%s), %d restarts logged, %d blocks in %d slots, finalized epoch %d (at most %d epochs "+
		"behind an ended epoch; 1 without chaos), peak RSS %.1f MiB", duration, killed, strings.Join(names, " "), restarts,
		len(log.blocks), log.head, log.finalized, worstLag, float64(peakRSS)/(1<<20))
}

// checkNothingSlashable reads the signing history of every validator from the slashing protection database:
// no two blocks at a slot, no two votes for a target epoch, no vote surrounding another.
func checkNothingSlashable(t *testing.T, dataDir string) {
	t.Helper()
	db, err := slashingprotection.Open(slashingprotection.Path(dataDir), slashingprotection.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	history, err := db.Export()
	if err != nil {
		t.Fatal(err)
	}
	blocks, votes := 0, 0
	for _, v := range history.Validators {
		slots := map[primitives.Slot]bool{}
		for _, b := range v.Blocks {
			if slots[b.Slot] {
				t.Errorf("validator %#x signed two blocks at slot %d", v.Pubkey[:4], b.Slot)
			}
			slots[b.Slot] = true
			blocks++
		}
		for i, a := range v.Attestations {
			votes++
			for _, b := range v.Attestations[:i] {
				switch {
				case a.Target == b.Target && !sameRoot(a.SigningRoot, b.SigningRoot):
					t.Errorf("validator %#x signed two votes for target epoch %d", v.Pubkey[:4], a.Target)
				case (a.Source < b.Source && a.Target > b.Target) || (b.Source < a.Source && b.Target > a.Target):
					t.Errorf("validator %#x signed surrounding votes %d->%d and %d->%d", v.Pubkey[:4], a.Source, a.Target, b.Source, b.Target)
				}
			}
		}
	}
	t.Logf("slashing protection history: %d blocks and %d votes by %d validators, none slashable", blocks, votes, len(history.Validators))
}

func sameRoot(a, b *primitives.Root) bool { return a != nil && b != nil && *a == *b }

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }
