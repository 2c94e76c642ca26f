// Command stfbench compares our state transition with Lodestar's on a generated fixture, in one run: block import,
// epoch processing and the post-block state root, with medians, ratios, memory, and a check that both
// implementations reach the same post-state roots (it exits 1 if they do not).
//
//	stfbench [compare] [-validators N | -fixture DIR] [-runs 5] [-profile DIR] [-json]
//	stfbench fixture [-validators N] [-seed S] [-participation P] -out DIR
//
// Without -fixture, compare uses the fixture of these options cached in the repository's .cache/stfbench, and
// generates it first if needed. Build with CGO_CFLAGS="-O2 -D__BLST_PORTABLE__", as everything here.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/salamander-client/salamander/bench"
	"github.com/salamander-client/salamander/spectest"
	"github.com/salamander-client/salamander/transition/fixture"
)

// Exit codes: 0 done, 1 failed (roots differ, Lodestar failed, I/O), 2 bad command line.
const (
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	command := "compare"
	if len(args) > 0 && (args[0] == "compare" || args[0] == "fixture") {
		command, args = args[0], args[1:]
	}
	var err error
	switch command {
	case "fixture":
		err = runFixture(ctx, args, stdout, stderr)
	default:
		err = runCompare(ctx, args, stdout, stderr)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		return exitUsage
	}
	fmt.Fprintf(stderr, "stfbench %s: %v\n", command, err)
	return exitFailure
}

// errUsage means a bad command line, which has been reported with the usage.
var errUsage = errors.New("usage")

// fixtureFlags are the options of a generated fixture.
type fixtureFlags struct {
	validators    int
	seed          uint64
	participation float64
}

func (f *fixtureFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.validators, "validators", fixture.DefaultValidators, "registry size of a generated fixture")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of a generated fixture (keys, committees, payload)")
	fs.Float64Var(&f.participation, "participation", 1, "share of each committee and of the sync committee in a generated block's aggregates")
}

func (f *fixtureFlags) options() fixture.Options {
	return fixture.Options{Validators: f.validators, Seed: f.seed, Participation: f.participation}
}

func runFixture(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stfbench fixture", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var ff fixtureFlags
	ff.register(fs)
	out := fs.String("out", "", "directory to write the fixture into (required)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err) // the flag package has printed it, with the usage
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	start := time.Now()
	f, err := fixture.Generate(ctx, ff.options())
	if err != nil {
		return err
	}
	if err := f.Write(*out); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "Wrote %s in %s: %d validators, block at slot %d with post-state root %s\n",
		*out, time.Since(start).Round(time.Second), f.Meta.Validators, f.Meta.BlockSlot, f.Meta.PostStateRoot)
	return err
}

func runCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stfbench compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var ff fixtureFlags
	ff.register(fs)
	fixtureDir := fs.String("fixture", "", "fixture directory (default: the cached fixture of -validators, generated if missing)")
	runs := fs.Int("runs", 5, "timed runs of each operation per implementation")
	lodestarDir := fs.String("lodestar-dir", "", "where Lodestar's libraries are installed (default: the user's cache, salamander-peers)")
	lodestarScript := fs.String("lodestar-script", "", "the peers' install script (default: ../shared/peers/lodestar-stf.sh beside the repository)")
	heap := fs.Int("lodestar-heap", 16384, "Node's old-space limit in MiB")
	profileDir := fs.String("profile", "", "directory for CPU profiles of our cached variant (import.pprof, epoch.pprof, root.pprof)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err) // the flag package has printed it, with the usage
	}
	if fs.NArg() > 0 || *runs < 1 {
		fs.Usage()
		return errUsage
	}
	var progress io.Writer = stderr
	if *quiet {
		progress = nil
	}

	repo, repoErr := spectest.RepoRoot()
	if *fixtureDir == "" {
		if repoErr != nil {
			return fmt.Errorf("-fixture not given: %w", repoErr)
		}
		*fixtureDir = bench.DefaultFixtureDir(repo, ff.options())
		if progress != nil {
			fmt.Fprintf(progress, "Fixture %s (generated unless it exists)\n", *fixtureDir)
		}
		if _, err := bench.EnsureFixture(ctx, *fixtureDir, ff.options()); err != nil {
			return err
		}
	}
	if *lodestarScript == "" && repoErr == nil {
		*lodestarScript = bench.DefaultLodestarScript(repo)
	}
	report, err := bench.Compare(ctx, bench.Options{
		FixtureDir: *fixtureDir, Runs: *runs, LodestarDir: *lodestarDir, LodestarScript: *lodestarScript,
		LodestarHeapMiB: *heap, ProfileDir: *profileDir, Progress: progress,
	})
	if err != nil {
		return err
	}
	if *asJSON {
		out, err := report.JSON()
		if err != nil {
			return err
		}
		_, err = stdout.Write(append(out, '\n'))
		return err
	}
	return report.Print(stdout)
}
