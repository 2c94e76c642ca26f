package peers

import (
	"time"

	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/reqresp"
	"github.com/salamander-client/salamander/types"
)

// SyncCommitteeSubnets tells the peers actor that local validators serve in sync committees: it joins the
// sync_committee_{subnet} topics and announces the subnets in its ENR and metadata syncnets until the epoch Until
// (exclusive), as the Beacon API's sync_committee_subscriptions ask of a node. A restarted peers actor forgets
// them, so the sender repeats the message every epoch while it applies.
type SyncCommitteeSubnets struct {
	Subnets []uint64
	Until   primitives.Epoch
}

// StatusRequest asks the peers actor for its Status; it replies with a *StatusResponse.
type StatusRequest struct{}

// StatusResponse answers a StatusRequest.
type StatusResponse struct{ Status Status }

// Status is what the peers actor reports about itself.
type Status struct {
	StartedAt time.Time // when the answering incarnation started
	Requests  uint64    // status requests it answered, this one included
	Running   bool      // the libp2p host is up
	PeerID    string
	ENR       string   // "" when discv5 is off
	Addrs     []string // listen multiaddrs
	Peers     []PeerInfo
	// MetaData is ours: the attestation and sync committee subnets we announce, with its sequence number.
	MetaData types.MetaData
	Topics   []string // the gossip topics we are subscribed to, sorted
}

// PeerInfo describes a connected peer.
type PeerInfo struct {
	ID         string
	Inbound    bool
	Handshaked bool // status exchanged and accepted
	Status     types.Status
	MetaData   types.MetaData
	Score      float64
	Latency    time.Duration
	Agent      string
}

// BlocksByRangeRequest asks for the blocks of [Start, Start+Count) from the best peer; the actor retries elsewhere
// on failure and replies with a *BlocksResponse.
type BlocksByRangeRequest struct {
	Start primitives.Slot
	Count uint64
}

// BlocksByRootRequest asks for blocks by root; the actor replies with a *BlocksResponse.
type BlocksByRootRequest struct{ Roots []primitives.Root }

// BlocksResponse answers a blocks request: the SSZ of each block with its slot and root, and the peer that sent them.
type BlocksResponse struct {
	Blocks []reqresp.Block
	Peer   string
	Err    error
}

// ReportPeer tells the peers actor that an answer of Peer turned out invalid once its receiver looked into it:
// blocks that do not link up or are not what was asked for. The peer's application score drops as for any invalid
// response, and the thresholds apply.
type ReportPeer struct {
	Peer   string // as BlocksResponse.Peer
	Reason error
}

// Publish asks the peers actor to publish an SSZ message on a gossip topic of the current fork; it replies with a
// *Published.
type Publish struct {
	Kind   gossip.Kind
	Subnet uint64
	SSZ    []byte
}

// Published answers Publish.
type Published struct {
	Topic string
	Err   error
}
