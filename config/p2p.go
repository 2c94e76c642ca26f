package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// p2pOptions are the [p2p] keys beyond the listen addresses and static peers.
func p2pOptions() []option {
	return []option{
		{
			key: "p2p.listen_quic", flag: "p2p-listen-quic", kind: kindString, def: "",
			usage: `libp2p QUIC (UDP) listen address, IP:port; "" turns QUIC off`,
			set: func(c *Config, raw any) error {
				ap, err := addrPortOf(raw, true)
				c.P2P.ListenQUIC = ap
				return err
			},
		},
		{
			key: "p2p.bootnodes", flag: "p2p-bootnodes", kind: kindList, def: []string{},
			usage: "ENRs (enr:...) discv5 starts from",
			set: func(c *Config, raw any) error {
				nodes, err := listOf(raw)
				if err != nil {
					return err
				}
				for _, n := range nodes {
					if !strings.HasPrefix(n, "enr:") {
						return fmt.Errorf("bootnode %q: want an ENR (enr:...)", n)
					}
				}
				c.P2P.bootnodes = nodes
				return nil
			},
		},
		{
			key: "p2p.target_peers", flag: "p2p-target-peers", kind: kindString, def: "70",
			usage: "number of peers the node dials up to",
			set: func(c *Config, raw any) error {
				n, err := uintOf(raw)
				if err == nil && (n == 0 || n > 10000) {
					err = want("1..10000")
				}
				c.P2P.TargetPeers = int(n)
				return err
			},
		},
		{
			key: "p2p.max_peers", flag: "p2p-max-peers", kind: kindString, def: "100",
			usage: "most peers the node keeps connected; inbound connections beyond it are refused",
			set: func(c *Config, raw any) error {
				n, err := uintOf(raw)
				if err == nil && (n == 0 || n > 10000) {
					err = want("1..10000")
				}
				c.P2P.MaxPeers = int(n)
				return err
			},
		},
		{
			key: "p2p.node_key", flag: "p2p-node-key", kind: kindString, def: "",
			usage: `file of the node's secp256k1 key (64 hex digits), created if missing; "" means <data_dir>/network/node-key`,
			set: func(c *Config, raw any) error {
				p, err := optionalPath(raw)
				c.P2P.NodeKey = p
				return err
			},
		},
		{
			key: "p2p.subscribe_all_subnets", flag: "p2p-subscribe-all-subnets", kind: kindBool, def: false,
			usage: "join every attestation subnet (heavy: for nodes that aggregate for many validators)",
			set: func(c *Config, raw any) error {
				b, err := boolOf(raw)
				c.P2P.SubscribeAllSubnets = b
				return err
			},
		},
	}
}

// checkP2P reports [p2p] keys that rule each other out.
func checkP2P(c *Config, origin map[string]string) []error {
	p := c.P2P
	var errs []error
	// discv5 and QUIC are both UDP: one socket cannot serve both.
	if udpOverlap(p.ListenUDP, p.ListenQUIC) {
		errs = append(errs, &ValueError{Source: origin["p2p.listen_quic"], Key: "p2p.listen_quic", Value: p.ListenQUIC.String(),
			Reason: fmt.Errorf("%w: p2p.listen_udp %s uses that UDP port for discv5: give QUIC another port", ErrConflict, p.ListenUDP)})
	}
	if p.TargetPeers > p.MaxPeers {
		errs = append(errs, &ValueError{Source: origin["p2p.target_peers"], Key: "p2p.target_peers", Value: p.TargetPeers,
			Reason: fmt.Errorf("%w: more than p2p.max_peers (%d), the most the node keeps", ErrConflict, p.MaxPeers)})
	}
	return errs
}

// udpOverlap tells whether two UDP listen addresses would bind the same socket: one port (not 0, which picks a free
// one) on the same IP, or on any IP when one of them is unspecified.
func udpOverlap(a, b netip.AddrPort) bool {
	if !a.IsValid() || !b.IsValid() || a.Port() != b.Port() || a.Port() == 0 {
		return false
	}
	return a.Addr() == b.Addr() || a.Addr().IsUnspecified() || b.Addr().IsUnspecified()
}
