package gossip

import (
	"github.com/salamander-client/salamander/primitives"
)

// Validate asks the gossip actor for the verdict on one received gossip message; it replies with a *Verdict. The
// peers actor's gossipsub validator sends it for every message and waits for the reply until its deadline.
type Validate struct {
	Topic  string
	Data   []byte // as received: snappy-compressed SSZ
	From   string // the peer that forwarded it
	GVR    primitives.Root
	Digest primitives.ForkDigest // the node's current fork digest
}

// Verdict answers Validate.
type Verdict struct {
	Result Result
	Err    error // why, for Ignore and Reject
}

// ChainValidate asks the chain checker (package chaincheck) for the stateful checks of a message that passed the
// stateless ones: parent known, proposer and committee membership, finality, and the signatures whose keys only
// the state knows. It answers with a *ChainVerdict; without an answer within ChainDeadline the message is ignored.
type ChainValidate struct {
	Kind   Kind
	Topic  string
	Subnet uint64
	SSZ    []byte // decompressed
}

// ChainVerdict answers ChainValidate.
type ChainVerdict struct {
	Result Result
	Err    error
}

// StatusRequest asks the gossip actor for its Status; it replies with a *StatusResponse.
type StatusRequest struct{}

// StatusResponse answers a StatusRequest.
type StatusResponse struct{ Status Status }
