package spectest

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// SpecVersion is the consensus-specs release whose vectors this code implements.
const SpecVersion = "v1.6.1"

// VectorsDirEnv overrides where the unpacked vectors are looked for.
const VectorsDirEnv = "CONSENSUS_SPEC_TESTS_DIR"

// DefaultVectorsDir is where `go run ./internal/tools/vectors` unpacks the vectors, relative to the repository root.
const DefaultVectorsDir = ".cache/consensus-spec-tests"

// Files the unpacking tool writes beside the vectors.
const (
	VersionFile  = "VERSION"  // the release the vectors come from
	ManifestFile = "MANIFEST" // case counts per <preset>/<fork>/<runner>/<handler>, when unpacked from ../shared
)

// BLSPreset is the pseudo-preset of the bls12-381-tests suite, laid out as bls12-381-tests/<handler>/<case>.yaml.
const BLSPreset = "bls12-381-tests"

// ErrNoVectors is returned when the unpacked vectors are missing or stale.
var ErrNoVectors = errors.New("consensus-spec-tests vectors not available")

// howToGet tells a developer how to get the vectors.
const howToGet = "run `go run ./internal/tools/vectors` at the repository root (it unpacks ../shared/consensus-spec-tests, " +
	"or downloads the " + SpecVersion + " release when ../shared is absent), or point " + VectorsDirEnv + " at an unpacked copy"

// VectorsDir returns the directory holding the unpacked vectors: $CONSENSUS_SPEC_TESTS_DIR, or
// <repository root>/.cache/consensus-spec-tests. It checks that the vectors are there and of SpecVersion.
func VectorsDir() (string, error) {
	dir := os.Getenv(VectorsDirEnv)
	if dir == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, DefaultVectorsDir)
	}
	version, err := os.ReadFile(filepath.Join(dir, VersionFile))
	if err != nil {
		return "", fmt.Errorf("%w at %s: %s", ErrNoVectors, dir, howToGet)
	}
	if v := strings.TrimSpace(string(version)); v != SpecVersion {
		return "", fmt.Errorf("%w: %s holds %s, want %s: %s", ErrNoVectors, dir, v, SpecVersion, howToGet)
	}
	return dir, nil
}

// RepoRoot returns the nearest directory at or above the working directory that holds go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find repository root: no go.mod at or above the working directory")
		}
		dir = parent
	}
}

// Selected reports whether the vectors of a preset/fork/runner are ours to run. Salamander implements Fulu only: it
// runs every fork-agnostic "general" vector, and of the preset vectors those filed under fulu, plus the shuffling
// vectors, which are filed under phase0 only (the function is unchanged since). The official release assets hold
// every fork; the unpacking tool extracts only what this selects.
func Selected(preset, fork, runner string) bool {
	switch {
	case preset == "general", preset == BLSPreset:
		return true
	case fork == "fulu":
		return true
	default:
		return fork == "phase0" && runner == "shuffling"
	}
}

// Group is the MANIFEST key of the case's handler: <preset>/<fork>/<runner>/<handler>, or bls12-381-tests/<handler>.
func (c Case) Group() string {
	if c.Preset == BLSPreset {
		return BLSPreset + "/" + c.Handler
	}
	return c.Preset + "/" + c.Fork + "/" + c.Runner + "/" + c.Handler
}

// ID names the case uniquely: its Group, then suite and name.
func (c Case) ID() string {
	if c.Preset == BLSPreset {
		return c.Group() + "/" + c.Name
	}
	return c.Group() + "/" + c.Suite + "/" + c.Name
}

// Walk returns every selected case of the given presets under root (the unpacked vectors), sorted by ID. Preset
// "general" and BLSPreset may be among presets. A directory that does not fit the layout is an error rather than
// something silently passed over.
func Walk(root string, presets []string) ([]Case, error) {
	var cases []Case
	for _, preset := range presets {
		var found []Case
		var err error
		if preset == BLSPreset {
			found, err = walkBLS(filepath.Join(root, BLSPreset))
		} else {
			found, err = walkPreset(filepath.Join(root, "tests", preset), preset)
		}
		if err != nil {
			return nil, err
		}
		cases = append(cases, found...)
	}
	slices.SortFunc(cases, func(a, b Case) int { return strings.Compare(a.ID(), b.ID()) })
	return cases, nil
}

// walkPreset collects tests/<preset>/<fork>/<runner>/<handler>/<suite>/<case>/.
func walkPreset(dir, preset string) ([]Case, error) {
	var cases []Case
	forks, err := subdirs(dir)
	if err != nil {
		return nil, err
	}
	for _, fork := range forks {
		runners, err := subdirs(filepath.Join(dir, fork))
		if err != nil {
			return nil, err
		}
		for _, runner := range runners {
			if !Selected(preset, fork, runner) {
				continue
			}
			handlers, err := subdirs(filepath.Join(dir, fork, runner))
			if err != nil {
				return nil, err
			}
			for _, handler := range handlers {
				suites, err := subdirs(filepath.Join(dir, fork, runner, handler))
				if err != nil {
					return nil, err
				}
				for _, suite := range suites {
					suiteDir := filepath.Join(dir, fork, runner, handler, suite)
					names, err := subdirs(suiteDir)
					if err != nil {
						return nil, err
					}
					for _, name := range names {
						cases = append(cases, Case{
							Preset: preset, Fork: fork, Runner: runner, Handler: handler, Suite: suite, Name: name,
							Dir: filepath.Join(suiteDir, name),
						})
					}
				}
			}
		}
	}
	return cases, nil
}

// walkBLS collects bls12-381-tests/<handler>/<case>.yaml.
func walkBLS(dir string) ([]Case, error) {
	var cases []Case
	handlers, err := subdirs(dir)
	if err != nil {
		return nil, err
	}
	for _, handler := range handlers {
		handlerDir := filepath.Join(dir, handler)
		entries, err := os.ReadDir(handlerDir)
		if err != nil {
			return nil, fmt.Errorf("walk vectors: %w", err)
		}
		for _, e := range entries {
			name, isYAML := strings.CutSuffix(e.Name(), ".yaml")
			if e.IsDir() || !isYAML {
				return nil, fmt.Errorf("walk vectors: unexpected %s in %s", e.Name(), handlerDir)
			}
			cases = append(cases, Case{
				Preset: BLSPreset, Runner: "bls", Handler: handler, Name: name,
				Dir: handlerDir, File: filepath.Join(handlerDir, e.Name()),
			})
		}
	}
	return cases, nil
}

// subdirs lists the directories in dir, failing on anything else: the layout has no loose files at these levels.
func subdirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("walk vectors: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() {
			return nil, fmt.Errorf("walk vectors: unexpected file %s in %s", e.Name(), dir)
		}
		names = append(names, e.Name())
	}
	return names, nil
}

// CountByGroup counts cases per Group.
func CountByGroup(cases []Case) map[string]int {
	counts := make(map[string]int)
	for _, c := range cases {
		counts[c.Group()]++
	}
	return counts
}

// ReadManifest parses a MANIFEST: "<group> <count>" lines, '#' comments and blank lines ignored.
func ReadManifest(path string) (map[string]int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	counts := make(map[string]int)
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("read manifest: line %d %q: want \"<group> <count>\"", i+1, line)
		}
		group := fields[0]
		n, err := strconv.Atoi(fields[1])
		if err != nil || n < 0 {
			return nil, fmt.Errorf("read manifest: line %d %q: bad count", i+1, line)
		}
		if _, dup := counts[group]; dup {
			return nil, fmt.Errorf("read manifest: line %d: %s listed twice", i+1, group)
		}
		counts[group] = n
	}
	return counts, nil
}

// ManifestPreset returns the preset a MANIFEST group belongs to (its first segment).
func ManifestPreset(group string) string {
	preset, _, _ := strings.Cut(group, "/")
	return preset
}

// CheckCounts compares the cases found per group with a MANIFEST, for the manifest's groups of the given presets:
// every listed group must be found with its count, and nothing unlisted may be found.
func CheckCounts(manifest, found map[string]int, presets []string) error {
	var errs []error
	listed := 0
	for _, group := range slices.Sorted(maps.Keys(manifest)) {
		if !slices.Contains(presets, ManifestPreset(group)) {
			continue
		}
		listed++
		if got, want := found[group], manifest[group]; got != want {
			errs = append(errs, fmt.Errorf("%s: found %d cases, MANIFEST lists %d", group, got, want))
		}
	}
	for _, group := range slices.Sorted(maps.Keys(found)) {
		if _, ok := manifest[group]; !ok {
			errs = append(errs, fmt.Errorf("%s: found %d cases that MANIFEST does not list", group, found[group]))
		}
	}
	if listed == 0 {
		errs = append(errs, fmt.Errorf("MANIFEST lists nothing for presets %v", presets))
	}
	return errors.Join(errs...)
}
