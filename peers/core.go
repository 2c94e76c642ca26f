// Package peers manages the node's libp2p peers: connections, status handshakes and peer scoring. Until the issue that implements it lands, its actor
// only starts, answers StatusRequest and stops.
package peers

import "time"

// Status is what the peers actor reports about itself.
type Status struct {
	StartedAt time.Time // when the answering incarnation started
	Requests  uint64    // status requests it answered, this one included
}

// core is the peers actor's state, free of actor code.
type core struct{ status Status }

func newCore(startedAt time.Time) *core { return &core{status: Status{StartedAt: startedAt}} }

// answerStatus counts a status request and returns the status that answers it.
func (c *core) answerStatus() Status {
	c.status.Requests++
	return c.status
}
