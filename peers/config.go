package peers

import (
	"errors"
	"net/netip"
	"path/filepath"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/reqresp"
	"github.com/salamander-client/salamander/store"
)

// Defaults of Config.
const (
	DefaultTargetPeers = 70
	DefaultMaxPeers    = 100
)

// Config configures the peers actor. The zero Config (no DataDir) leaves the network off: the actor only answers
// StatusRequest.
type Config struct {
	// DataDir holds the node key (network/node-key) and the peer scores (network/peer-scores.json).
	DataDir string
	// NodeKey is the node key's file when not the one in DataDir.
	NodeKey    string
	ListenTCP  netip.AddrPort
	ListenUDP  netip.AddrPort // discv5; the zero value turns discovery off
	ListenQUIC netip.AddrPort // libp2p QUIC; the zero value turns QUIC off
	// StaticPeers are multiaddrs (/ip4/.../tcp/.../p2p/...) or ENRs kept connected.
	StaticPeers []string
	// Bootnodes are ENRs discv5 starts from.
	Bootnodes   []string
	TargetPeers int
	MaxPeers    int

	Spec    *params.Spec
	Genesis time.Time
	// GenesisValidatorsRoot, when set, names the chain; otherwise it is read from Reader's identity once the
	// store holds an anchor, and the network waits until then.
	GenesisValidatorsRoot *primitives.Root
	// Reader is where status reads the head and finality, and the req/resp server reads blocks.
	Reader  *store.Reader
	Columns reqresp.ColumnSource // nil: no sidecars served
	// CustodyGroupCount is announced in metadata and the ENR (cgc); zero means CUSTODY_REQUIREMENT.
	CustodyGroupCount uint64
	// SubscribeAllSubnets joins every attestation subnet and announces them in attnets.
	SubscribeAllSubnets bool
	// GossipPID is the gossip actor; nil means the sibling named "gossip".
	GossipPID *actor.PID
	// Quotas are the req/resp server's rate limits; the zero value means reqresp.DefaultQuotas.
	Quotas *[8]reqresp.Quota
}

// Enabled tells whether the network runs.
func (c Config) Enabled() bool { return c.DataDir != "" }

func (c Config) keyPath() string {
	if c.NodeKey != "" {
		return c.NodeKey
	}
	return filepath.Join(c.DataDir, "network", "node-key")
}

func (c Config) scoresPath() string { return filepath.Join(c.DataDir, "network", "peer-scores.json") }

// ErrNoSpec is returned when an enabled network has no spec.
var ErrNoSpec = errors.New("network config without a spec")

func (c Config) withDefaults() Config {
	if c.TargetPeers <= 0 {
		c.TargetPeers = DefaultTargetPeers
	}
	if c.MaxPeers < c.TargetPeers {
		c.MaxPeers = max(DefaultMaxPeers, c.TargetPeers)
	}
	if c.CustodyGroupCount == 0 && c.Spec != nil {
		c.CustodyGroupCount = c.Spec.CustodyRequirement
	}
	return c
}
