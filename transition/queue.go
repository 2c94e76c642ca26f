package transition

// jobQueue is the bounded FIFO both transition actors share: jobs run one at a time on a goroutine that borrows
// the actor's core, and wait here meanwhile. J is a pointer type; its zero value means "nothing runs".
type jobQueue[J comparable] struct {
	waiting []J
	running J
}

// take makes the oldest waiting job the running one and returns it; false if one runs already or none waits.
func (q *jobQueue[J]) take() (J, bool) {
	var none J
	if q.running != none || len(q.waiting) == 0 {
		return none, false
	}
	j := q.waiting[0]
	q.waiting[0] = none
	q.waiting = q.waiting[1:]
	q.running = j
	return j, true
}

// finish ends j if it is the running job; false for a job of an earlier incarnation.
func (q *jobQueue[J]) finish(j J) bool {
	var none J
	if j == none || j != q.running {
		return false
	}
	q.running = none
	return true
}

// busy reports whether a job runs.
func (q *jobQueue[J]) busy() bool {
	var none J
	return q.running != none
}

// drain empties the queue and returns every job it held, the running one first.
func (q *jobQueue[J]) drain() []J {
	jobs := q.waiting
	if q.busy() {
		jobs = append([]J{q.running}, jobs...)
	}
	*q = jobQueue[J]{}
	return jobs
}
