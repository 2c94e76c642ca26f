package validator_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/salamander-client/salamander/genesis"
	"github.com/salamander-client/salamander/internal/lodestarstf"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

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
	script, err := lodestarstf.WriteScript(dir, "salamander_lodestar_chain.mjs", source)
	if err != nil {
		t.Fatal(err)
	}
	cmd := lodestarstf.Command(ctx, dir, params.PresetName, script, out, strconv.FormatUint(d.env.Spec.SecondsPerSlot, 10))
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
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir, err := lodestarstf.ForTests(t.Context(), repo)
	if errors.Is(err, lodestarstf.ErrUnavailable) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
