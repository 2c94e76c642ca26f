package supervisor

import (
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/blocksync"
	"github.com/salamander-client/salamander/chaincheck"
	"github.com/salamander-client/salamander/clock"
	"github.com/salamander-client/salamander/engineapi"
	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/peers"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/transition"
	"github.com/salamander-client/salamander/validator"
)

// nodeTree is Salamander's whole supervision tree. Children start top to bottom, each once the one above it has
// started, and stop bottom to top:
//
//	node                 rest-for-one, 5 restarts / 1m
//	├── validator        only with in-process validators (salamander dev)
//	├── store
//	├── transition
//	├── forkchoice
//	├── engineapi
//	├── network          one-for-one, 10 restarts / 1m
//	│   ├── peers        libp2p host, discv5, gossipsub router, req/resp; bounded mailbox, drops newest
//	│   ├── gossip       gossip validation, stateless checks; bounded mailbox, drops oldest
//	│   └── chaincheck   gossip validation, stateful checks; only with a chain and a network
//	├── blocksync
//	└── clock
func nodeTree(opts Options) spec {
	// node: rest-for-one, because every child depends on those above it and on nothing below. The store is the
	// one owner of persisted chain data and every other actor rebuilds from it when it starts, so it comes first;
	// a store restart restarts everything that holds state derived from what it had. Transition and fork choice
	// come next because everything past them feeds them blocks; the Engine API bridge serves fork choice's
	// updates; the network and sync feed all of these; the clock comes last so the first tick finds everyone
	// running. A failure of the network restarts the network, sync and the clock, never the store or fork
	// choice, so a misbehaving peer cannot make the node forget its chain.
	//
	// The validator duties come first because they depend on no actor's incarnation: they read the chain through
	// the store's Reader, hand their blocks and votes to sync through an Inbox that holds them while sync restarts,
	// and keep what they must not forget (the slashing protection database, the operation pool they share with
	// block production) outside the tree. Below the others, every failure above them would restart them and cost
	// the slot's duties. They do nothing until the clock, last, announces a slot.
	limits := nodeLimits
	if opts.Chaos {
		limits = chaosLimits
	}
	chain := opts.Chain
	// chaincheck answers gossip's stateful checks (gossip.ChainValidate) from the store's Reader and hands what it
	// accepts to blocksync, by path, so blocksync's restarts do not concern it. It sits in network, one-for-one,
	// beside the gossip actor it serves: like gossip it is driven by what peers send, so its failures are the
	// network's kind (counted against the network's limits) and restart nobody else, and it holds only caches it
	// rebuilds from the store (whose restart restarts the whole network, and so it). Started after gossip, it
	// leaves gossip ignoring messages for the moment it takes to start, as gossip does whenever it restarts.
	gossipCfg := opts.Network.Gossip
	var chainCheck []spec
	if chain.BlockSync.Reader != nil && gossipCfg.Spec != nil {
		cfg := chaincheck.Config{Spec: gossipCfg.Spec, Reader: chain.BlockSync.Reader, BlockSyncPath: blockSyncPath}
		chainCheck = append(chainCheck, worker("chaincheck", chaincheck.New(cfg)))
		if gossipCfg.ChainPID == nil && gossipCfg.ChainPath == "" {
			gossipCfg.ChainPath = chainCheckPath
		}
	}
	network := append([]spec{
		worker("peers", func() actor.Actor { return peers.NewActor(opts.Network.Peers) }).withMailbox(actors.PeerMailbox()),
		worker("gossip", func() actor.Actor { return gossip.NewActor(gossipCfg) }).withMailbox(actors.GossipMailbox()),
	}, chainCheck...)
	var children []spec
	if v := chain.Validator; v != nil {
		children = append(children, worker("validator", func() actor.Actor { return validator.NewActor(*v) }))
	}
	children = append(children,
		worker("store", func() actor.Actor { return store.NewActor(opts.Store) }),
		worker("transition", chain.transition()),
		worker("forkchoice", chain.forkChoice()),
		worker("engineapi", engineapi.NewActor),
		// network: one-for-one. Everything that dies with the libp2p host (connections, discv5, the gossipsub
		// router and its mesh, req/resp streams) lives in peers, which comes back with the same node key and
		// peer scores from the data directory and redials; gossip only validates messages and keeps duplicate
		// caches that a host restart does not invalidate, so it has no reason to restart with peers, and a
		// gossip failure (a validation bug) must not cost the node its connections. While one of them restarts,
		// the other degrades: gossip ignores what it cannot get validated.
		supervise("network", oneForOne, networkLimits, network...),
		worker("blocksync", blocksync.New(chain.BlockSync)),
	)
	clockCfg := opts.clockConfig()
	if chain.BlockSync.Reader != nil {
		clockCfg.SlotLogLevel = slog.LevelDebug // blocksync reports every slot, with its block
	}
	children = append(children, worker("clock", func() actor.Actor { return clock.NewActor(clockCfg) }))
	return supervise("node", restForOne, limits, children...)
}

// The paths of the actors that address each other by path, because the tree's PIDs are not known when it is
// configured; TestTreePaths checks them against the tree.
const (
	blockSyncPath  = "node/blocksync"
	chainCheckPath = "node/network/chaincheck"
)

// ChainOptions configure the actors that follow the chain. The zero value runs them without one: they start and
// answer status requests, and refuse blocks.
type ChainOptions struct {
	// Transition configures the chain transition actor (transition.NewChain); nil runs the transition actor
	// without a chain.
	Transition *transition.ChainConfig
	// ForkChoice configures the forkchoice actor, whose Chain rebuilds its store at every start; nil runs it
	// without a chain.
	ForkChoice *forkchoice.Config
	BlockSync  blocksync.Config
	// Validator configures the in-process validator duties; nil runs none.
	Validator *validator.Config
}

func (c ChainOptions) transition() actor.Producer {
	if c.Transition == nil {
		return transition.NewActor
	}
	return transition.NewChain(*c.Transition)
}

func (c ChainOptions) forkChoice() actor.Producer {
	if c.ForkChoice == nil {
		return forkchoice.NewActor
	}
	cfg := *c.ForkChoice
	return func() actor.Actor { return forkchoice.New(cfg) }
}

var (
	// nodeLimits: a subsystem that fails five times in a minute, restarts included, will not heal by restarting;
	// the node then stops with a failure so that systemd restarts the whole process, which also reopens files
	// and sockets. Back-off from 100ms to 5s keeps a crash loop from spinning. A fatal failure (actors.ErrFatal:
	// the store's disk failures, a database locked by another process, another network's data directory) does
	// not wait for the limit: every supervisor escalates it at once and the node stops.
	nodeLimits = limits{maxRestarts: 5, within: time.Minute, backoff: 100 * time.Millisecond, maxBackoff: 5 * time.Second}
	// networkLimits: remote peers make network failures the most frequent and the least harmful, so the network
	// supervisor absorbs more of them before it asks node to restart it. Its escalation counts as one failure at
	// node.
	networkLimits = limits{maxRestarts: 10, within: time.Minute, backoff: 100 * time.Millisecond, maxBackoff: 5 * time.Second}
	// chaosLimits replace nodeLimits under salamander dev --chaos, which kills an actor every few seconds on
	// purpose: the node must heal from each one rather than give up after five. A short back-off keeps the
	// restarts from costing slots.
	chaosLimits = limits{maxRestarts: 120, within: time.Minute, backoff: 50 * time.Millisecond, maxBackoff: time.Second}
)
