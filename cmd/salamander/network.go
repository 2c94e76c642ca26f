package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"github.com/salamander-client/salamander/config"
	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/peers"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/supervisor"
)

// networkOptions configure the network subtree from [p2p] and the chain start-up found: the node key and peer
// scores live in the data directory, the fork digests come from the chain config and the chain's genesis
// validators root, status and req/resp read the store. For a node without a chain it is the zero value, which
// leaves the network off: without a genesis validators root there is no network to join.
func networkOptions(cfg config.Config, chain chainStart, storeCfg store.Config) supervisor.NetworkOptions {
	if !chain.hasChain {
		return supervisor.NetworkOptions{}
	}
	gvr := chain.gvr
	p2p := cfg.P2P
	return supervisor.NetworkOptions{
		Peers: peers.Config{
			DataDir:               cfg.Node.DataDir,
			NodeKey:               p2p.NodeKey,
			ListenTCP:             p2p.ListenTCP,
			ListenUDP:             p2p.ListenUDP,
			ListenQUIC:            p2p.ListenQUIC,
			StaticPeers:           p2p.StaticPeers(),
			Bootnodes:             p2p.Bootnodes(),
			TargetPeers:           p2p.TargetPeers,
			MaxPeers:              p2p.MaxPeers,
			Spec:                  cfg.Chain.Spec,
			Genesis:               chain.genesis,
			GenesisValidatorsRoot: &gvr,
			Reader:                storeCfg.Options.Reader,
			SubscribeAllSubnets:   p2p.SubscribeAllSubnets,
		},
		Gossip: gossip.Config{Spec: cfg.Chain.Spec, Genesis: chain.genesis},
	}
}

// errListen means a [p2p] listen address cannot be bound.
var errListen = errors.New("cannot listen")

// checkListen binds the network's listen addresses at once and releases them, so that a port in use (or two keys
// on one UDP port) stops start-up with the key that names it, instead of the peers actor failing until its
// supervisors give up.
func checkListen(p config.P2PConfig) error {
	var closers []func() error
	defer func() {
		for _, c := range closers {
			_ = c()
		}
	}()
	l, err := net.Listen("tcp", p.ListenTCP.String())
	if err != nil {
		return fmt.Errorf("%w: p2p.listen_tcp %s: %w", errListen, p.ListenTCP, err)
	}
	closers = append(closers, l.Close)
	for _, u := range []struct {
		key  string
		addr netip.AddrPort
	}{{"p2p.listen_udp", p.ListenUDP}, {"p2p.listen_quic", p.ListenQUIC}} {
		if !u.addr.IsValid() {
			continue
		}
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(u.addr))
		if err != nil {
			return fmt.Errorf("%w: %s %s: %w", errListen, u.key, u.addr, err)
		}
		closers = append(closers, c.Close)
	}
	return nil
}

// logNetwork logs what the network will do, or why it stays off.
func logNetwork(logger *slog.Logger, net supervisor.NetworkOptions) {
	p := net.Peers
	if !p.Enabled() {
		logger.Info("Network off: without a chain there is no genesis validators root to join a network with")
		return
	}
	quic := "off"
	if p.ListenQUIC.IsValid() {
		quic = p.ListenQUIC.String()
	}
	logger.Info("Joining the network", "listen_tcp", p.ListenTCP.String(), "listen_udp", p.ListenUDP.String(),
		"listen_quic", quic, "bootnodes", len(p.Bootnodes), "static_peers", len(p.StaticPeers),
		"target_peers", p.TargetPeers, "max_peers", p.MaxPeers, "genesis_validators_root", fmt.Sprintf("%#x", *p.GenesisValidatorsRoot))
}
