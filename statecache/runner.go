package statecache

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// task is one independent piece of an update, run with the workspace of the goroutine that runs it.
type task func(ws *workspace) error

// fieldPlan is the update of one field: tasks that may run concurrently with each other and with other fields'
// tasks, then finish (if not nil), which runs after every task has and may use the runner itself.
type fieldPlan struct {
	tasks  []task
	finish func(*runner) error
}

// runner runs the tasks of one update on up to one goroutine per workspace. Tasks that run concurrently write
// disjoint pages: different fields, or ranges of one field aligned to whole words of the pages' ownership bitsets
// (alignment).
type runner struct {
	workspaces []*workspace
	// layerMin is the fewest parents in one layer worth hashing on several goroutines.
	layerMin int
}

// defaultLayerMin makes a layer of 2**13 parents the smallest hashed on several goroutines: below it, starting
// goroutines costs more than it saves.
const defaultLayerMin = 8192

// newRunner returns a runner of one goroutine per processor Go uses.
func newRunner() runner {
	return newRunnerOf(runtime.GOMAXPROCS(0), defaultLayerMin)
}

func newRunnerOf(workers, layerMin int) runner {
	ws := make([]*workspace, max(workers, 1))
	for i := range ws {
		ws[i] = new(workspace)
	}
	return runner{workspaces: ws, layerMin: layerMin}
}

// fresh returns a runner like r with workspaces of its own, for a copy of the cache.
func (r *runner) fresh() runner {
	if r.workspaces == nil {
		return newRunner()
	}
	return newRunnerOf(len(r.workspaces), r.layerMin)
}

// main returns the workspace of the calling goroutine.
func (r *runner) main() *workspace { return r.workspaces[0] }

// parallel reports whether the runner has more than one goroutine.
func (r *runner) parallel() bool { return len(r.workspaces) > 1 }

// run runs tasks to completion, the calling goroutine taking its share, and returns the first error (by task
// order). A panicking task is reported as ErrWorkerPanic wherever it ran: it is a bug here, and must not take down
// the process from a goroutine nobody supervises.
func (r *runner) run(tasks []task) error {
	workers := min(len(r.workspaces), len(tasks))
	if workers <= 1 {
		for _, t := range tasks {
			if err := runTask(t, r.main()); err != nil {
				return err
			}
		}
		return nil
	}
	var (
		next int64 = -1
		errs       = make([]error, len(tasks))
		wg   sync.WaitGroup
	)
	work := func(ws *workspace) {
		for {
			i := int(atomic.AddInt64(&next, 1))
			if i >= len(tasks) {
				return
			}
			errs[i] = runTask(tasks[i], ws)
		}
	}
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func(ws *workspace) {
			defer wg.Done()
			work(ws)
		}(r.workspaces[w])
	}
	work(r.main())
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func runTask(t task, ws *workspace) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", ErrWorkerPanic, p)
		}
	}()
	return t(ws)
}

// alignment is the number of elements of a pagedVec with pages of 1<<shift elements that share one word of its
// ownership bitset: concurrent writers must split a vector at multiples of it.
func alignment(shift uint8) int { return 64 << shift }

// splitRanges splits [0, n) into at most parts ranges whose bounds are multiples of unit (but the last).
func splitRanges(n, unit, parts int) [][2]int {
	units := (n + unit - 1) / unit
	per := max((units+parts-1)/parts, 1) * unit
	var out [][2]int
	for lo := 0; lo < n; lo += per {
		out = append(out, [2]int{lo, min(lo+per, n)})
	}
	return out
}
