package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/salamander-client/salamander/transition/fixture"
)

// Report is the result of Compare.
type Report struct {
	Fixture       fixture.Meta
	Runs          int
	GOMAXPROCS    int
	LodestarSetup time.Duration // Lodestar's loading of the fixture and first runs, untimed
	Roots         Roots
	Memory        Memory
	Ops           []OpResult
}

// Print writes the report as text.
func (r *Report) Print(w io.Writer) error {
	f, b := r.Fixture, r.Fixture.Block
	p := &errWriter{w: w}
	p.printf("Fixture: %d validators (%s preset), block at slot %d on the state of slot %d: %d attestations (%d attesters), "+
		"%d sync committee signers, %d deposit requests, %d voluntary exits, %d withdrawals, %d transactions, %d blobs, %d KiB\n",
		f.Validators, f.Preset, f.BlockSlot, f.PreStateSlot, b.Attestations, b.Attesters, b.SyncParticipants, b.DepositRequests,
		b.VoluntaryExits, b.Withdrawals, b.Transactions, b.BlobCommitments, b.EncodedBlockBytes>>10)
	p.printf("Post-block state root: ours %s, Lodestar %s, the fixture's %s\n", r.Roots.Ours, r.Roots.Lodestar, r.Roots.Fixture)
	p.printf("Post-epoch state root: ours %s, Lodestar %s\n", r.Roots.EpochOurs, r.Roots.EpochLodestar)
	p.printf("\nMedians of %d alternating runs, wall / CPU time (all threads), GOMAXPROCS %d:\n", r.Runs, r.GOMAXPROCS)
	tw := tabwriter.NewWriter(p, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "operation\tours\tours+statecache\tLodestar\tratio ours\tratio ours+statecache\tgoal\t")
	for _, op := range r.Ops {
		goal := "-"
		if op.Goal != 0 {
			verdict := "missed"
			if op.Ratio(true) <= op.Goal {
				verdict = "met"
			}
			goal = fmt.Sprintf("<= %.2f: %s", op.Goal, verdict)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.2f (CPU %.2f)\t%.2f (CPU %.2f)\t%s\t\n", op.Op, stats(op.Ours), stats(op.OursCached),
			stats(op.Lodestar), op.Ratio(false), op.CPURatio(false), op.Ratio(true), op.CPURatio(true), goal)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	m := r.Memory
	resettable := ""
	if !m.PeakResettable {
		resettable = " (the kernel refused to reset the peak: these are the process's peaks so far)"
	}
	p.printf("\nMemory, ours (resident): holding the pre-state and block %s; peak importing the block %s; after it, with the "+
		"transition's caches warm %s; with the tree-hash cache built too %s (the cache counts %s); peak importing with it %s%s\n",
		mib(m.StateRSS), mib(m.ImportPeakRSS), mib(m.WarmRSS), mib(m.StateAndCacheRSS), mib(m.CacheBytes),
		mib(m.CachedImportPeakRSS), resettable)
	p.printf("Memory, Lodestar: %s resident holding the pre-state and the epoch state after a run of each operation, peak %s; "+
		"loading took %s\n", mib(m.LodestarRSS), mib(m.LodestarPeakRSS), r.LodestarSetup.Round(time.Millisecond))
	return p.err
}

// JSON returns the report as indented JSON, times in milliseconds.
func (r *Report) JSON() ([]byte, error) {
	type statsJSON struct {
		WallMs, CPUMs float64
		WallRunsMs    []float64
	}
	toJSON := func(s Stats) statsJSON {
		out := statsJSON{WallMs: ms(s.Wall), CPUMs: ms(s.CPU)}
		for _, sample := range s.Samples {
			out.WallRunsMs = append(out.WallRunsMs, ms(sample.Wall))
		}
		return out
	}
	type opJSON struct {
		Op                                                 string
		Ours, OursCached, Lodestar                         statsJSON
		Ratio, CPURatio, RatioCached, CPURatioCached, Goal float64
	}
	out := struct {
		Fixture         fixture.Meta
		Runs            int
		GOMAXPROCS      int
		LodestarSetupMs float64
		Roots           Roots
		Memory          Memory
		Ops             []opJSON
	}{r.Fixture, r.Runs, r.GOMAXPROCS, ms(r.LodestarSetup), r.Roots, r.Memory, nil}
	for _, op := range r.Ops {
		out.Ops = append(out.Ops, opJSON{
			Op: op.Op, Ours: toJSON(op.Ours), OursCached: toJSON(op.OursCached), Lodestar: toJSON(op.Lodestar),
			Ratio: op.Ratio(false), CPURatio: op.CPURatio(false), RatioCached: op.Ratio(true),
			CPURatioCached: op.CPURatio(true), Goal: op.Goal,
		})
	}
	return json.MarshalIndent(out, "", "  ")
}

func stats(s Stats) string { return fmt.Sprintf("%.1f / %.1f ms", ms(s.Wall), ms(s.CPU)) }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mib(bytes uint64) string { return fmt.Sprintf("%.0f MiB", float64(bytes)/(1<<20)) }

// errWriter keeps the first write error, so that a report is written without an error check per line.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
