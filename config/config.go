// Package config builds the node's one immutable Config from, in increasing precedence: built-in defaults,
// a TOML file, SALAMANDER_<SECTION>_<KEY> environment variables, and the command-line flags the user set.
// Every layer is checked on its own, so an error names the key and where the bad value came from.
package config

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"

	"github.com/salamander-client/salamander/logging"
)

// Config is the node's configuration. It is built once in main by Load and passed down by value; nothing
// modifies it afterwards.
type Config struct {
	Node NodeConfig
	// Chain is the chain the node follows, resolved from node.network and node.chain_config.
	Chain Chain
	Log   LogConfig
	P2P   P2PConfig
	API   APIConfig
	Debug DebugConfig
	Sync  SyncConfig
	Store StoreConfig
	// Validator is the [validator] section.
	Validator ValidatorConfig
}

// NodeConfig is the [node] section.
type NodeConfig struct {
	// DataDir is an absolute, cleaned path; main creates it at start-up.
	DataDir string
	Network Network
	// ChainConfig is the absolute path of the chain's config.yaml, or "" for the network's built-in config.
	ChainConfig string
	// GenesisState is the absolute path of the chain's genesis state (SSZ), or "" for none.
	GenesisState string
}

// LogConfig is the [log] section.
type LogConfig struct {
	Level  slog.Level
	Format logging.Format
}

// P2PConfig is the [p2p] section, which cmd/salamander turns into the peers actor's configuration.
type P2PConfig struct {
	ListenTCP netip.AddrPort
	ListenUDP netip.AddrPort
	// StaticPeers are multiaddrs or ENRs the node keeps connected.
	staticPeers []string
	// ListenQUIC is libp2p's QUIC (UDP) address; the zero AddrPort turns QUIC off.
	ListenQUIC netip.AddrPort
	// Bootnodes are the ENRs discv5 starts from.
	bootnodes []string
	// TargetPeers is the peer count the node dials up to; MaxPeers the most it accepts.
	TargetPeers, MaxPeers int
	// NodeKey is the file of the node's secp256k1 key; "" means <data_dir>/network/node-key.
	NodeKey string
	// SubscribeAllSubnets joins every attestation subnet.
	SubscribeAllSubnets bool
}

// Bootnodes returns a copy of the bootnode ENRs.
func (p P2PConfig) Bootnodes() []string { return slices.Clone(p.bootnodes) }

// StaticPeers returns a copy, so that a caller cannot change the shared configuration through it.
func (p P2PConfig) StaticPeers() []string { return slices.Clone(p.staticPeers) }

// APIConfig is the [api] section. The beacon API that reads it is not written yet.
type APIConfig struct {
	// Listen is the beacon API's address; the zero AddrPort (IsValid false) turns the API off.
	Listen netip.AddrPort
}

// DebugConfig is the [debug] section.
type DebugConfig struct {
	// Listen is the loopback address of the debug HTTP server; the zero AddrPort turns it off.
	Listen netip.AddrPort
	// FaultInjection serves the fault-injection controls under /debug/faults/.
	FaultInjection bool
	// Chaos makes `salamander dev` kill a random actor every few seconds, to show the node heal; `run` ignores it.
	Chaos bool
}

// Network is a chain the node can follow.
type Network uint8

const (
	// Mainnet is Ethereum mainnet; it needs a binary built with the mainnet preset.
	Mainnet Network = iota + 1
	// Devnet is a local chain whose genesis is the node's start time, run with either preset.
	Devnet
)

var networkNames = [...]string{Mainnet: "mainnet", Devnet: "devnet"}

func (n Network) String() string {
	if n > 0 && int(n) < len(networkNames) {
		return networkNames[n]
	}
	return fmt.Sprintf("Network(%d)", uint8(n))
}

// Preset is the preset a binary must be built with to follow this network, or "" if any preset will do.
func (n Network) Preset() string {
	if n == Mainnet {
		return "mainnet"
	}
	return ""
}

// NetworkNames lists the known networks.
func NetworkNames() []string { return networkNames[1:] }

// ParseNetwork parses a network name.
func ParseNetwork(s string) (Network, bool) {
	for i, name := range networkNames {
		if i > 0 && s == name {
			return Network(i), true
		}
	}
	return 0, false
}
