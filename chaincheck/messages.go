package chaincheck

import (
	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/gossip"
)

// The chain checker answers *gossip.ChainValidate with a *gossip.ChainVerdict (see gossip/messages.go); its own
// messages are its status and the internal report of a finished check.

// StatusRequest asks the chain checker for its Status; it replies with a *StatusResponse.
type StatusRequest struct{}

// StatusResponse answers a StatusRequest.
type StatusResponse struct{ Status Status }

// Status is what the chain checker reports about itself.
type Status struct {
	// Verdicts counts the checks of this incarnation by kind and result.
	Verdicts map[gossip.Kind][3]uint64
	// Busy counts requests ignored because MaxInFlight checks were running; Delivered counts the blocks and
	// attestations handed to blocksync.
	Busy, Delivered uint64
}

// checked reports a finished check from its goroutine to the actor.
type checked struct {
	kind    gossip.Kind
	replyTo *actor.PID
	out     Outcome
	ssz     []byte // the message, for a block to import
	indexed []byte // SSZ of the accepted attestation's IndexedAttestation
}

// batchVerified reports a verified batch: the indices of the items with an invalid signature.
type batchVerified struct {
	items   []*checked
	invalid map[int]bool
}
