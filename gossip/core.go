// Package gossip is the node's gossipsub domain: the Fulu topics and their message-id, the router run on the libp2p
// host (router.go; the peers actor owns it, since it dies with the host), and the gossip actor, which validates
// every received message before gossipsub may forward it: the stateless checks here (decoding, sizes, slot windows,
// duplicates, signatures whose keys are known, batched), the stateful ones by asking the chain checker (chaincheck).
package gossip

import (
	"fmt"
	"time"
)

// Status is what the gossip actor reports about itself.
type Status struct {
	StartedAt time.Time // when the answering incarnation started
	Requests  uint64    // status requests it answered, this one included
	// Verdicts counts the messages validated by this incarnation, by kind and result.
	Verdicts map[Kind][3]uint64
	// Batches and BatchedSignatures count the signature batches verified and the signatures in them.
	Batches, BatchedSignatures uint64
}

// core is the gossip actor's state, free of actor code.
type core struct {
	status Status
	// reported holds the verdict counts at the last summary, so that each summary counts its own epoch.
	reported map[Kind][3]uint64
}

func newCore(startedAt time.Time) *core {
	return &core{status: Status{StartedAt: startedAt, Verdicts: map[Kind][3]uint64{}}, reported: map[Kind][3]uint64{}}
}

// answerStatus counts a status request and returns a copy of the status that answers it.
func (c *core) answerStatus() Status {
	c.status.Requests++
	s := c.status
	s.Verdicts = make(map[Kind][3]uint64, len(c.status.Verdicts))
	for k, v := range c.status.Verdicts {
		s.Verdicts[k] = v
	}
	return s
}

// count records a verdict.
func (c *core) count(k Kind, r Result) {
	v := c.status.Verdicts[k]
	v[r]++
	c.status.Verdicts[k] = v
}

// summarize returns the verdicts counted since the last summary, as slog attributes "<topic kind>" =
// "accepted/ignored/rejected" in the order of Kinds, and starts the next summary; none when nothing was validated.
func (c *core) summarize() []any {
	var attrs []any
	for _, k := range Kinds() {
		now, then := c.status.Verdicts[k], c.reported[k]
		if now == then {
			continue
		}
		attrs = append(attrs, k.String(), fmt.Sprintf("%d/%d/%d", now[Accept]-then[Accept], now[Ignore]-then[Ignore], now[Reject]-then[Reject]))
		c.reported[k] = now
	}
	return attrs
}
