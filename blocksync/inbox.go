package blocksync

import (
	"context"
	"errors"
	"fmt"
)

// DefaultInboxSize is how many requests an Inbox holds before ImportBlock waits and OnAttestation drops.
const DefaultInboxSize = 1024

// ErrInboxFull means an Inbox dropped an attestation: the blocksync actor is not keeping up.
var ErrInboxFull = errors.New("blocksync inbox full")

// Inbox hands blocks and attestations to the blocksync actor from code that runs outside the actor system, such
// as the in-process validator client's duty goroutine. The actor drains it while it runs; what waits in it
// survives the actor's restarts. It is safe for concurrent use.
type Inbox struct {
	requests chan *inboxRequest
}

// inboxRequest is a block to import (done receives the outcome) or an attestation for fork choice.
type inboxRequest struct {
	block       []byte
	attestation []byte
	done        chan *ImportResult // buffered: the actor never waits on it
}

// NewInbox returns an inbox that holds size requests (0: DefaultInboxSize).
func NewInbox(size int) *Inbox {
	if size <= 0 {
		size = DefaultInboxSize
	}
	return &Inbox{requests: make(chan *inboxRequest, size)}
}

// ImportBlock has the blocksync actor import the SignedBeaconBlock encoded as ssz and waits for the outcome, or for
// ctx to end.
func (in *Inbox) ImportBlock(ctx context.Context, ssz []byte) (*ImportResult, error) {
	req := &inboxRequest{block: ssz, done: make(chan *ImportResult, 1)}
	select {
	case in.requests <- req:
	case <-ctx.Done():
		return nil, fmt.Errorf("import block: %w", ctx.Err())
	}
	select {
	case res := <-req.done:
		return res, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("import block: waiting for the import: %w", ctx.Err())
	}
}

// OnAttestation gives fork choice an IndexedAttestation (SSZ) its caller verified. It never waits: when the inbox
// is full the attestation is dropped and ErrInboxFull returned.
func (in *Inbox) OnAttestation(indexed []byte) error {
	select {
	case in.requests <- &inboxRequest{attestation: indexed}:
		return nil
	default:
		return ErrInboxFull
	}
}
