package spectest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/types"
)

// registry holds every runner's handlers. Each runner's _test.go file registers its handlers from an init function:
//
//	func init() { registry.Handle("ssz_generic", "", sszGeneric) }
var registry = NewRegistry()

// suite is the unpacked vectors of this build's presets, loaded once by TestMain.
var suite struct {
	dir     string
	cases   []Case
	skips   *SkipList
	summary *Summary
}

// buildPresets are the vector presets this build runs: the fork-agnostic ones and the preset the binary was built
// with (go test -tags minimal for the minimal preset).
var buildPresets = []string{"general", BLSPreset, params.PresetName}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := VectorsDir()
	if err != nil {
		fmt.Fprintf(os.Stderr, "spectest: %v\n", err)
		return 1
	}
	skips, err := LoadSkips("skip.yaml")
	if err != nil {
		fmt.Fprintf(os.Stderr, "spectest: %v\n", err)
		return 1
	}
	cases, err := Walk(dir, buildPresets)
	if err != nil {
		fmt.Fprintf(os.Stderr, "spectest: %v\n", err)
		return 1
	}
	suite.dir, suite.cases, suite.skips, suite.summary = dir, cases, skips, NewSummary()

	code := m.Run()
	if len(suite.summary.Rows()) > 0 {
		table := fmt.Sprintf("consensus-spec-tests %s, %s preset build\n%s", SpecVersion, params.PresetName,
			suite.summary.Table())
		fmt.Print("\n" + table)
		// go test shows a passing package's output only with -v, so the table is also kept on disk.
		if err := writeSummary(table); err != nil {
			fmt.Fprintf(os.Stderr, "spectest: %v\n", err)
		}
	}
	return code
}

// writeSummary saves the summary table as <repository>/.cache/spectest-summary-<preset>.txt.
func writeSummary(table string) error {
	root, err := RepoRoot()
	if err != nil {
		return err
	}
	path := filepath.Join(root, ".cache", "spectest-summary-"+params.PresetName+".txt")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// TestSpec runs every case of this build's presets through its registered handler, as the subtest
// TestSpec/<case ID>; select with e.g. -run 'TestSpec/general/phase0/ssz_generic'. Cases declared in skip.yaml are
// not run but counted in the summary with their reason. A group whose runner has no handler fails once.
func TestSpec(t *testing.T) {
	var undeclared []string
	var mu sync.Mutex
	t.Cleanup(func() {
		if len(undeclared) > 0 {
			slices.Sort(undeclared)
			t.Errorf("%d cases skipped by their handler without a skip.yaml entry:\n  %s", len(undeclared),
				strings.Join(undeclared, "\n  "))
		}
	})

	for _, group := range groupCases(suite.cases) {
		var runnable []Case
		for _, c := range group {
			if skip, ok := suite.skips.Match(c); ok {
				suite.summary.Record(c, Skipped, skip.Reason)
				continue
			}
			runnable = append(runnable, c)
		}
		if len(runnable) == 0 {
			continue
		}
		first := runnable[0]
		handler, ok := registry.Lookup(first.Runner, first.Handler)
		if !ok {
			t.Run(first.Group(), func(t *testing.T) {
				for _, c := range runnable {
					suite.summary.Record(c, Unhandled, "no handler registered")
				}
				t.Errorf("no handler registered for runner %q handler %q: %d cases not run", first.Runner,
					first.Handler, len(runnable))
			})
			continue
		}
		for _, c := range runnable {
			t.Run(c.ID(), func(t *testing.T) {
				t.Cleanup(func() {
					switch {
					case t.Skipped():
						suite.summary.Record(c, UndeclaredSkip, "skipped without a skip.yaml entry")
						mu.Lock()
						undeclared = append(undeclared, c.ID())
						mu.Unlock()
					case t.Failed():
						suite.summary.Record(c, Failed, "")
					default:
						suite.summary.Record(c, Passed, "")
					}
				})
				runCase(t, handler, c)
			})
		}
	}
}

// runCase runs one case, turning a panic into a failure of that case alone so the rest of the suite still runs.
func runCase(t *testing.T, h Handler, c Case) {
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("handler panicked: %v\n%s", r, debug.Stack())
		}
	}()
	h(t, c)
}

// groupCases splits cases (sorted by ID, hence by group) into runs of the same Group.
func groupCases(cases []Case) [][]Case {
	var groups [][]Case
	for i := 0; i < len(cases); {
		j := i + 1
		for j < len(cases) && cases[j].Group() == cases[i].Group() {
			j++
		}
		groups = append(groups, cases[i:j])
		i = j
	}
	return groups
}

// TestVectorCounts checks that the walk finds exactly the cases MANIFEST lists for this build's presets, so that a
// directory missing from the cache, or one the walk fails to see, cannot go unnoticed.
func TestVectorCounts(t *testing.T) {
	manifest, err := ReadManifest(filepath.Join(suite.dir, ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no MANIFEST beside the vectors (downloaded from the release rather than unpacked from ../shared): counts unchecked")
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckCounts(manifest, CountByGroup(suite.cases), buildPresets); err != nil {
		t.Error(err)
	}
}

// readObject decodes the case's <name>.ssz_snappy into obj.
func readObject(t *testing.T, c Case, name string, obj types.Object) {
	t.Helper()
	raw, err := c.ReadSSZ(name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	if err := types.Unmarshal(raw, obj); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
}
