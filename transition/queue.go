package transition

// jobQueue is the transition actor's bounded FIFO: jobs run one at a time on a goroutine that borrows
// the actor's core, and wait here meanwhile.
type jobQueue struct {
	waiting []*job
	running *job // nil: nothing runs
}

// take makes the oldest waiting job the running one and returns it; false if one runs already or none waits.
func (q *jobQueue) take() (*job, bool) {
	if q.running != nil || len(q.waiting) == 0 {
		return nil, false
	}
	j := q.waiting[0]
	q.waiting[0] = nil
	q.waiting = q.waiting[1:]
	q.running = j
	return j, true
}

// finish ends j if it is the running job; false for a job of an earlier incarnation.
func (q *jobQueue) finish(j *job) bool {
	if j == nil || j != q.running {
		return false
	}
	q.running = nil
	return true
}

// busy reports whether a job runs.
func (q *jobQueue) busy() bool {
	return q.running != nil
}

// drain empties the queue and returns every job it held, the running one first.
func (q *jobQueue) drain() []*job {
	jobs := q.waiting
	if q.busy() {
		jobs = append([]*job{q.running}, jobs...)
	}
	*q = jobQueue{}
	return jobs
}
