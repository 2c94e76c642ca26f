package bench_test

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/salamander-client/salamander/bench"
	"github.com/salamander-client/salamander/spectest"
	"github.com/salamander-client/salamander/transition/fixture"
)

// validatorsEnv overrides the registry size of TestLodestarAgreesWithOurTransition (default 2^14).
const validatorsEnv = "SALAMANDER_STFBENCH_VALIDATORS"

// TestLodestarAgreesWithOurTransition is the benchmark at a small size, as an end-to-end check: Lodestar's Fulu
// state transition (npm libraries, installed by ../shared/peers/lodestar-stf.sh or npm into the user's cache)
// must reach our post-state roots on a generated fixture, after the block and after an epoch transition, and a
// fixture whose recorded root is wrong must fail the comparison.
func TestLodestarAgreesWithOurTransition(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test against Lodestar")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	validators := 1 << 14
	if v := os.Getenv(validatorsEnv); v != "" {
		var err error
		if validators, err = strconv.Atoi(v); err != nil {
			t.Fatalf("%s=%q: %v", validatorsEnv, v, err)
		}
	}
	repo, err := spectest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "fixture")
	if generated, err := bench.EnsureFixture(t.Context(), dir, fixture.Options{Validators: validators}); err != nil || !generated {
		t.Fatalf("fixture: generated %v, %v", generated, err)
	}
	opts := bench.Options{FixtureDir: dir, Runs: 1, LodestarScript: bench.DefaultLodestarScript(repo), LodestarHeapMiB: 4096}
	report, err := bench.Compare(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	r := report.Roots
	if r.Ours != r.Fixture || r.Lodestar != r.Fixture || r.EpochOurs != r.EpochLodestar || r.EpochOurs == "" || !r.OursCachedMatchesOurs {
		t.Errorf("roots %+v", r)
	}
	var text strings.Builder
	if err := report.Print(&text); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", text.String())

	t.Run("wrong recorded root", func(t *testing.T) {
		tampered := filepath.Join(t.TempDir(), "fixture")
		if err := os.Mkdir(tampered, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{fixture.EpochStateFile, fixture.PreStateFile, fixture.BlockFile} {
			if err := os.Symlink(filepath.Join(dir, name), filepath.Join(tampered, name)); err != nil {
				t.Fatal(err)
			}
		}
		meta := report.Fixture
		meta.PostStateRoot = "0x" + strings.Repeat("ab", 32)
		raw, err := json.Marshal(meta)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tampered, fixture.MetaFile), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		opts := opts
		opts.FixtureDir = tampered
		if _, err := bench.Compare(t.Context(), opts); !errors.Is(err, bench.ErrRootMismatch) {
			t.Fatalf("have %v, want %v", err, bench.ErrRootMismatch)
		}
	})
}
