package config

import (
	"fmt"
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
