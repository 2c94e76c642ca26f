// Package bench compares our state transition with Lodestar's on the same fixture (transition/fixture), in one
// run on one machine: block import, epoch processing and the post-block state root, each by our implementation
// without and with the tree-hash cache (statecache) and by Lodestar's Fulu libraries (@lodestar/state-transition,
// run by Node from lodestar/stf.mjs). Every run's post-state root is checked on both sides: the comparison is also
// an end-to-end check that Lodestar agrees with our transition. bench/cmd/stfbench is its command.
//
// Node appears only here, in benchmark tooling that drives third-party software; the node itself is Go only.
package bench

import (
	"context"
	_ "embed" // the Lodestar side, written beside its node_modules at run time
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/salamander-client/salamander/internal/lodestarstf"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/fixture"
)

//go:embed lodestar/stf.mjs
var lodestarScript []byte

func hexRoot(root primitives.Root) string { return "0x" + hex.EncodeToString(root[:]) }

// DefaultLodestarScript is ../shared/peers/lodestar-stf.sh beside the repository.
func DefaultLodestarScript(repo string) string { return lodestarstf.SharedScript(repo) }

// DefaultFixtureDir is where the fixture opts describe is cached: the repository's git-ignored .cache, in a
// directory named after the preset and the options that differ from the defaults.
func DefaultFixtureDir(repo string, opts fixture.Options) string {
	name := fmt.Sprintf("fixture-%s-%d", params.PresetName, opts.Validators)
	if opts.Seed > 1 {
		name += fmt.Sprintf("-seed%d", opts.Seed)
	}
	if opts.Participation > 0 && opts.Participation < 1 {
		name += fmt.Sprintf("-participation%g", opts.Participation)
	}
	return filepath.Join(repo, ".cache", "stfbench", name)
}

// EnsureFixture generates the fixture opts describe into dir unless dir holds a fixture already (of any options:
// its fixture.json says which). It reports whether it generated one.
func EnsureFixture(ctx context.Context, dir string, opts fixture.Options) (bool, error) {
	if _, err := fixture.ReadMeta(dir); err == nil {
		return false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	f, err := fixture.Generate(ctx, opts)
	if err != nil {
		return false, err
	}
	if err := f.Write(dir); err != nil {
		return false, err
	}
	return true, nil
}
