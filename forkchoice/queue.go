package forkchoice

import (
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// DefaultMaxPendingAttestations bounds the attestations waiting for their block or slot: about two slots of
// mainnet aggregates.
const DefaultMaxPendingAttestations = 8192

// pendingAttestation is an attestation that on_attestation refused for now: its block is unknown or its slot or
// epoch has not come.
type pendingAttestation struct {
	attestation *types.IndexedAttestation
	isFromBlock bool
}

// pendingQueue holds pending attestations in arrival order, dropping the oldest when full.
type pendingQueue struct {
	items   []pendingAttestation
	max     int
	dropped uint64 // evicted because the queue was full, or stale
}

func (q *pendingQueue) add(p pendingAttestation) {
	if len(q.items) >= q.max {
		drop := len(q.items) - q.max + 1
		q.items = append(q.items[:0], q.items[drop:]...)
		q.dropped += uint64(drop)
	}
	q.items = append(q.items, p)
}

// retry offers every pending attestation to apply, keeping those it refuses with a retryable error, and returns
// how many were applied.
func (q *pendingQueue) retry(apply func(pendingAttestation) error) int {
	applied := 0
	kept := q.items[:0]
	for _, p := range q.items {
		err := apply(p)
		switch {
		case err == nil:
			applied++
		case IsRetryable(err):
			kept = append(kept, p)
		default:
			q.dropped++
		}
	}
	clear(q.items[len(kept):])
	q.items = kept
	return applied
}

// dropBefore drops the attestations whose target epoch is before epoch: they can no longer count.
func (q *pendingQueue) dropBefore(epoch primitives.Epoch) {
	kept := q.items[:0]
	for _, p := range q.items {
		if p.attestation.Data.Target.Epoch >= epoch {
			kept = append(kept, p)
		} else {
			q.dropped++
		}
	}
	clear(q.items[len(kept):])
	q.items = kept
}
