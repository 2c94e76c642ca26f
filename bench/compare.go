package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/salamander-client/salamander/bench/cputime"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/statecache"
	"github.com/salamander-client/salamander/transition/fixture"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/transition/helpers/helperstest"
	"github.com/salamander-client/salamander/types"
)

// ErrRootMismatch means our state transition and Lodestar's (or the fixture) disagree on a state root: one of the
// implementations is wrong, and no timing means anything.
var ErrRootMismatch = errors.New("state roots differ")

// Operations, as the report names them.
const (
	OpImport = "block import" // state_transition: process_slots, the block, every signature, the state root check
	OpEpoch  = "epoch"        // process_slots across an epoch boundary: process_slot and process_epoch
	OpRoot   = "state root"   // hash_tree_root of the post-block state
)

// Goals are the targets of issue #4: our median wall time over Lodestar's, per operation.
var Goals = map[string]float64{OpImport: 0.33, OpEpoch: 0.25}

// Options configure Compare.
type Options struct {
	FixtureDir string
	Runs       int // timed runs of each operation per implementation; default 5
	// LodestarDir holds (or receives) Lodestar's libraries; default DefaultLodestarDir(). LodestarScript is
	// ../shared/peers/lodestar-stf.sh, used to install them when it exists.
	LodestarDir, LodestarScript string
	LodestarHeapMiB             int // Node's old-space limit; default 16384
	// ProfileDir, if set, receives a CPU profile of our cached variant per operation (import.pprof, epoch.pprof,
	// root.pprof), taken over ProfileRuns more runs (default Runs) after the comparison. Its timed parts carry the
	// label stfbench=timed (go tool pprof -top -tagfocus=stfbench=timed).
	ProfileDir  string
	ProfileRuns int
	// Progress receives a line per step; nil for none.
	Progress io.Writer
}

// Compare runs our state transition and Lodestar's on the fixture in opts.FixtureDir and reports both. The runs
// alternate (each round runs every operation with ours, ours with the tree-hash cache, then Lodestar), so that the
// machine's other load weighs on both alike. It fails with ErrRootMismatch when a post-state root differs between
// the implementations or from the fixture's.
func Compare(ctx context.Context, opts Options) (*Report, error) {
	if opts.Runs <= 0 {
		opts.Runs = 5
	}
	if opts.ProfileRuns <= 0 {
		opts.ProfileRuns = opts.Runs
	}
	if opts.LodestarHeapMiB <= 0 {
		opts.LodestarHeapMiB = 16384
	}
	if opts.LodestarDir == "" {
		dir, err := DefaultLodestarDir()
		if err != nil {
			return nil, err
		}
		opts.LodestarDir = dir
	}
	progress := func(format string, args ...any) {
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, format+"\n", args...)
		}
	}
	meta, err := fixture.ReadMeta(opts.FixtureDir)
	if err != nil {
		return nil, err
	}
	if meta.Block.Eth1Deposits > 0 {
		return nil, fmt.Errorf("%w: the fixture's block carries eth1 bridge deposits, which Lodestar %s refuses in a Fulu block", ErrLodestar, LodestarVersion)
	}
	report := &Report{Fixture: meta, Runs: opts.Runs, GOMAXPROCS: runtime.GOMAXPROCS(0)}

	progress("Installing Lodestar %s into %s", LodestarVersion, opts.LodestarDir)
	if err := InstallLodestar(ctx, opts.LodestarDir, opts.LodestarScript); err != nil {
		return nil, err
	}
	// Lodestar loads the fixture while we load it and measure our memory: neither is timed.
	progress("Starting Lodestar on the fixture")
	lodestarDone := make(chan lodestarStart, 1)
	go func() {
		l, ready, err := startLodestar(ctx, opts.LodestarDir, opts.FixtureDir, opts.LodestarHeapMiB)
		lodestarDone <- lodestarStart{l, ready, err}
	}()
	o, err := loadOurs(ctx, opts.FixtureDir, &report.Memory, progress)
	if err != nil {
		if started := <-lodestarDone; started.err == nil {
			started.l.close()
		}
		return nil, err
	}
	progress("Waiting for Lodestar to load the fixture")
	started := <-lodestarDone
	if started.err != nil {
		return nil, started.err
	}
	l := started.l
	defer l.close()
	report.LodestarSetup = time.Duration(started.ready.SetupMs * float64(time.Millisecond))
	report.Memory.LodestarRSS, report.Memory.LodestarPeakRSS = started.ready.RSSBytes, started.ready.PeakRSSBytes

	// The roots, from the untimed first runs; every timed run is checked against them too.
	roots, err := o.warmUp(ctx)
	if err != nil {
		return nil, err
	}
	report.Roots = Roots{
		Fixture:               meta.PostStateRoot,
		Ours:                  hexRoot(roots.post),
		Lodestar:              started.ready.PostStateRoot,
		EpochOurs:             hexRoot(roots.epoch),
		EpochLodestar:         started.ready.EpochPostStateRoot,
		OursCachedMatchesOurs: roots.cachedAgrees,
	}
	if err := report.Roots.check(); err != nil {
		return report, err
	}

	ops := []*OpResult{{Op: OpImport}, {Op: OpEpoch}, {Op: OpRoot}}
	for _, op := range ops {
		op.Goal = Goals[op.Op]
	}
	for round := range opts.Runs {
		progress("Round %d of %d", round+1, opts.Runs)
		for _, op := range ops {
			want := roots.post
			if op.Op == OpEpoch {
				want = roots.epoch
			}
			for _, cache := range []*statecache.Cache{nil, o.cacheFor(op.Op)} {
				s, err := o.measure(ctx, op.Op, cache, want)
				if err != nil {
					return report, err
				}
				if cache == nil {
					op.Ours.add(s)
				} else {
					op.OursCached.add(s)
				}
			}
			s, err := measureLodestar(l, op.Op, hexRoot(want))
			if err != nil {
				return report, err
			}
			op.Lodestar.add(s)
		}
	}
	for _, op := range ops {
		op.summarize()
		report.Ops = append(report.Ops, *op)
	}

	if opts.ProfileDir != "" {
		if err := o.profile(ctx, opts.ProfileDir, opts.ProfileRuns, progress); err != nil {
			return report, err
		}
	}
	return report, nil
}

type lodestarStart struct {
	l     *lodestar
	ready lodestarReady
	err   error
}

// loadOurs reads the fixture and measures our memory on the way: the pre-state held, one import without and one
// with the tree-hash cache.
func loadOurs(ctx context.Context, dir string, memory *Memory, progress func(string, ...any)) (*ours, error) {
	spec, err := helperstest.Spec()
	if err != nil {
		return nil, err
	}
	o := &ours{env: helpers.NewEnv(spec, helpers.NewCaches()), fixture: &fixture.Fixture{
		EpochState: new(types.BeaconState), PreState: new(types.BeaconState), Block: new(types.SignedBeaconBlock),
	}}
	if o.fixture.Meta, err = fixture.ReadMeta(dir); err != nil {
		return nil, err
	}
	progress("Loading the pre-state and the block")
	if err := fixture.ReadSSZ(filepath.Join(dir, fixture.PreStateFile), o.fixture.PreState); err != nil {
		return nil, err
	}
	if err := fixture.ReadSSZ(filepath.Join(dir, fixture.BlockFile), o.fixture.Block); err != nil {
		return nil, err
	}
	memory.StateRSS = settledRSS()

	progress("Measuring the memory of a block import")
	memory.PeakResettable = resetPeakRSS()
	if _, err := o.importBlock(ctx, nil); err != nil {
		return nil, err
	}
	_, memory.ImportPeakRSS = readRSS()
	memory.WarmRSS = settledRSS()

	var root primitives.Root
	if o.preCache, root, err = statecache.New(o.fixture.PreState); err != nil {
		return nil, fmt.Errorf("tree-hash cache of the pre-state: %w", err)
	}
	if root != o.fixture.PreState.HashTreeRoot() {
		return nil, fmt.Errorf("%w: the tree-hash cache's root of the pre-state is %#x, karalabe/ssz's %#x", ErrRootMismatch, root, o.fixture.PreState.HashTreeRoot())
	}
	memory.StateAndCacheRSS, memory.CacheBytes = settledRSS(), o.preCache.Size()
	resetPeakRSS()
	if _, err := o.importBlock(ctx, o.preCache); err != nil {
		return nil, err
	}
	_, memory.CachedImportPeakRSS = readRSS()

	progress("Loading the epoch state")
	if err := fixture.ReadSSZ(filepath.Join(dir, fixture.EpochStateFile), o.fixture.EpochState); err != nil {
		return nil, err
	}
	if o.epochCache, _, err = statecache.New(o.fixture.EpochState); err != nil {
		return nil, fmt.Errorf("tree-hash cache of the epoch state: %w", err)
	}
	return o, nil
}

func (o *ours) cacheFor(op string) *statecache.Cache {
	if op == OpEpoch {
		return o.epochCache
	}
	return o.preCache
}

// warmRoots are the post-state roots of our untimed first runs.
type warmRoots struct {
	post, epoch  primitives.Root
	cachedAgrees bool // the cached variant found the same roots
}

// warmUp runs each operation once per variant, untimed, as a node has run transitions before: the caches hold
// the shufflings and decompressed keys the block needs. It returns the post-state roots.
func (o *ours) warmUp(ctx context.Context) (warmRoots, error) {
	var roots warmRoots
	post, err := o.importBlock(ctx, nil)
	if err != nil {
		return roots, err
	}
	hash, err := o.processEpoch(nil)
	if err != nil {
		return roots, err
	}
	if roots.epoch, err = hash(); err != nil {
		return roots, err
	}
	roots.post = post
	cachedPost, err := o.importBlock(ctx, o.preCache)
	if err != nil {
		return roots, err
	}
	if hash, err = o.processEpoch(o.epochCache); err != nil {
		return roots, err
	}
	cachedEpoch, err := hash()
	if err != nil {
		return roots, err
	}
	roots.cachedAgrees = cachedPost == roots.post && cachedEpoch == roots.epoch
	return roots, nil
}

// measure times one run of op by our implementation (with cache, when not nil) and checks the root it leads to.
func (o *ours) measure(ctx context.Context, op string, cache *statecache.Cache, want primitives.Root) (Sample, error) {
	var (
		root primitives.Root
		err  error
		hash func() (primitives.Root, error)
	)
	var run func()
	switch op {
	case OpImport:
		run = func() { root, err = o.importBlock(ctx, cache) }
	case OpEpoch:
		run = func() { hash, err = o.processEpoch(cache) }
	case OpRoot:
		if hash, err = o.prepareRoot(ctx, cache); err != nil {
			return Sample{}, err
		}
		run = func() { root, err = hash() }
	}
	s := timed(run)
	if err == nil && op == OpEpoch {
		root, err = hash()
	}
	if err != nil {
		return s, fmt.Errorf("%s: %w", op, err)
	}
	if root != want {
		return s, fmt.Errorf("%w: %s: ours gave %#x, then %#x", ErrRootMismatch, op, want, root)
	}
	return s, nil
}

func measureLodestar(l *lodestar, op string, want string) (Sample, error) {
	command := map[string]string{OpImport: "import", OpEpoch: "epoch", OpRoot: "root"}[op]
	reply, err := l.do(command)
	if err != nil {
		return Sample{}, err
	}
	if reply.Root != want {
		return Sample{}, fmt.Errorf("%w: %s: Lodestar gave %s, ours %s", ErrRootMismatch, op, reply.Root, want)
	}
	return Sample{Wall: time.Duration(reply.Ms * float64(time.Millisecond)), CPU: time.Duration(reply.CPUMs * float64(time.Millisecond))}, nil
}

// timed runs fn after a collection, so that no run pays for the garbage of the one before, and returns its wall
// and CPU time.
func timed(fn func()) Sample {
	runtime.GC()
	cpu := cputime.Process()
	start := time.Now()
	pprof.Do(context.Background(), timedLabels, func(context.Context) { fn() })
	return Sample{Wall: time.Since(start), CPU: cputime.Process() - cpu}
}

// timedLabels mark the timed part of each run in CPU profiles (goroutines started inside inherit them), so that
// go tool pprof -tagfocus=stfbench=timed leaves out the untimed preparation.
var timedLabels = pprof.Labels("stfbench", "timed")

// profile writes a CPU profile of runs runs of each operation by our cached variant into dir.
func (o *ours) profile(ctx context.Context, dir string, runs int, progress func(string, ...any)) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, op := range []struct{ op, file string }{{OpImport, "import.pprof"}, {OpEpoch, "epoch.pprof"}, {OpRoot, "root.pprof"}} {
		progress("Profiling %s (%d runs) into %s", op.op, runs, filepath.Join(dir, op.file))
		if err := o.profileOp(ctx, filepath.Join(dir, op.file), op.op, runs); err != nil {
			return err
		}
	}
	return nil
}

func (o *ours) profileOp(ctx context.Context, path, op string, runs int) (err error) {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}()
	cache := o.cacheFor(op)
	var want primitives.Root
	if op == OpEpoch {
		hash, err := o.processEpoch(cache)
		if err != nil {
			return err
		}
		if want, err = hash(); err != nil {
			return err
		}
	} else {
		want = o.fixture.Block.Message.StateRoot
	}
	if err := pprof.StartCPUProfile(file); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	for range runs {
		if _, err := o.measure(ctx, op, cache, want); err != nil {
			return err
		}
	}
	return nil
}

// Sample is one timed run.
type Sample struct{ Wall, CPU time.Duration }

// Stats are the runs of one operation by one implementation and their medians.
type Stats struct {
	Samples []Sample `json:"-"`
	Wall    time.Duration
	CPU     time.Duration
}

func (s *Stats) add(sample Sample) { s.Samples = append(s.Samples, sample) }

func (s *Stats) summarize() {
	walls := make([]time.Duration, len(s.Samples))
	cpus := make([]time.Duration, len(s.Samples))
	for i, sample := range s.Samples {
		walls[i], cpus[i] = sample.Wall, sample.CPU
	}
	s.Wall, s.CPU = median(walls), median(cpus)
}

func median(values []time.Duration) time.Duration {
	if len(values) == 0 {
		return 0
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	mid := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[mid]
	}
	return (sorted[mid-1] + sorted[mid]) / 2
}

// OpResult compares one operation.
type OpResult struct {
	Op         string
	Ours       Stats // without a tree-hash cache: karalabe/ssz hashes whole states
	OursCached Stats // with the statecache tree-hash cache
	Lodestar   Stats
	Goal       float64 // the target ratio of our median wall time to Lodestar's; 0 for none
}

func (r *OpResult) summarize() {
	r.Ours.summarize()
	r.OursCached.summarize()
	r.Lodestar.summarize()
}

// Ratio is our median wall time over Lodestar's, with or without the tree-hash cache.
func (r *OpResult) Ratio(cached bool) float64 {
	ours := r.Ours.Wall
	if cached {
		ours = r.OursCached.Wall
	}
	return ratio(ours, r.Lodestar.Wall)
}

// CPURatio is our median CPU time over Lodestar's.
func (r *OpResult) CPURatio(cached bool) float64 {
	ours := r.Ours.CPU
	if cached {
		ours = r.OursCached.CPU
	}
	return ratio(ours, r.Lodestar.CPU)
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Roots are the post-state roots each side found.
type Roots struct {
	Fixture, Ours, Lodestar  string // after the block
	EpochOurs, EpochLodestar string // after the epoch transition
	OursCachedMatchesOurs    bool   // our cached variant found the same roots
}

func (r Roots) check() error {
	switch {
	case r.Ours != r.Fixture:
		return fmt.Errorf("%w: post-block state: ours %s, the fixture's %s", ErrRootMismatch, r.Ours, r.Fixture)
	case r.Lodestar != r.Fixture:
		return fmt.Errorf("%w: post-block state: Lodestar's %s, ours and the fixture's %s", ErrRootMismatch, r.Lodestar, r.Fixture)
	case r.EpochLodestar != r.EpochOurs:
		return fmt.Errorf("%w: post-epoch state: Lodestar's %s, ours %s", ErrRootMismatch, r.EpochLodestar, r.EpochOurs)
	case !r.OursCachedMatchesOurs:
		return fmt.Errorf("%w: our transition with the tree-hash cache found other roots than without", ErrRootMismatch)
	}
	return nil
}
