package validator_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/salamander-client/salamander/genesis"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// lodestarVersion must match ../shared/peers/lodestar-stf.sh.
const lodestarVersion = "1.46.0"

// TestDevnetMatchesLodestar builds a devnet's genesis state and chain with Salamander (the interop genesis, the
// validators' blocks with their attestations, sync aggregates and payloads, across epoch boundaries) and replays it
// through Lodestar's state transition (npm libraries installed by ../shared/peers/lodestar-stf.sh) with every
// check on: Lodestar must accept the genesis state and every block, signatures and state roots included.
func TestDevnetMatchesLodestar(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test against Lodestar")
	}
	dir := installLodestar(t)
	ctx := context.Background()
	d := newDevnet(t, genesis.DefaultValidatorCount)
	_, genesisState, _ := d.chain.Head(ctx)
	out := t.TempDir()
	writeSSZ(t, filepath.Join(out, "genesis.ssz"), genesisState)

	// Past two epoch transitions: the first rewards and the lookahead rotation, and the first justification.
	last := primitives.Slot(2*params.SlotsPerEpoch + 2)
	if params.PresetName == "mainnet" {
		last = primitives.Slot(params.SlotsPerEpoch + 2) // signing a mainnet sync committee every slot is slow
	}
	for slot := primitives.Slot(0); slot <= last; slot++ {
		d.runSlot(t, ctx, slot)
	}
	for i, b := range d.chain.blocks {
		writeSSZ(t, filepath.Join(out, fmt.Sprintf("block-%06d.ssz", i)), b)
	}

	source, err := os.ReadFile(filepath.Join("testdata", "lodestar_chain.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	// ES modules resolve imports from the script's own directory: run a copy placed beside node_modules.
	script := filepath.Join(dir, "salamander_lodestar_chain.mjs")
	if err := os.WriteFile(script, source, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", script, out, strconv.FormatUint(d.env.Spec.SecondsPerSlot, 10))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LODESTAR_PRESET="+params.PresetName)
	cmd.Stderr = os.Stderr
	result, err := cmd.Output()
	if err != nil {
		t.Fatalf("Lodestar refused the chain: %v", err)
	}
	var res struct{ Roots []string }
	if err := json.Unmarshal(result, &res); err != nil {
		t.Fatalf("Lodestar's output %q: %v", result, err)
	}
	if len(res.Roots) != len(d.chain.blocks) {
		t.Fatalf("Lodestar processed %d of %d blocks", len(res.Roots), len(d.chain.blocks))
	}
	for i, b := range d.chain.blocks {
		if want := hex.EncodeToString(b.Message.StateRoot[:]); res.Roots[i] != want {
			t.Fatalf("block at slot %d: Lodestar's post-state root %s, ours %s", b.Message.Slot, res.Roots[i], want)
		}
	}
}

func writeSSZ(t *testing.T, path string, obj types.Object) {
	t.Helper()
	data, err := types.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// installLodestar installs the pinned Lodestar libraries with the shared script (once per machine) and returns
// their directory; without Node or the script the test is skipped.
func installLodestar(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "shared", "peers", "lodestar-stf.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(script); err != nil {
		t.Skipf("no %s: %v", script, err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "salamander-peers", "lodestar-stf-"+lodestarVersion)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@lodestar", "state-transition")); err == nil {
		return dir
	}
	if out, err := exec.Command("bash", script, "install", dir).CombinedOutput(); err != nil {
		t.Fatalf("install Lodestar: %v\n%s", err, out)
	}
	return dir
}
