package config

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/salamander-client/salamander/logging"
	"github.com/salamander-client/salamander/params"
)

// option is one configuration key: its name in TOML ("section.key"), its flag, its built-in default in the
// form a TOML file would give it, and how a raw value from any source is parsed into Config.
type option struct {
	key   string
	flag  string
	kind  kind
	usage string
	// def is the built-in default, in the raw form a source would give it.
	def any
	// set parses raw into c. Its error says what was wanted ("want ..."); the caller adds source and key.
	set func(c *Config, raw any) error
}

// kind is the shape of a key's value, which decides how environment strings and flags are read.
type kind uint8

const (
	kindString kind = iota
	kindBool
	kindList
)

func options() []option {
	core := coreOptions()
	// The [p2p] keys of p2p.go follow the section's first keys, in the order of the example file.
	at := slices.IndexFunc(core, func(o option) bool { return o.key == "p2p.static_peers" }) + 1
	core = slices.Insert(core, at, p2pOptions()...)
	return append(append(core, syncStoreOptions()...), validatorOptions()...)
}

func coreOptions() []option {
	return []option{
		{
			key: "node.data_dir", flag: "data-dir", kind: kindString, def: "~/.salamander",
			usage: "directory for the node's data, created at start-up",
			set: func(c *Config, raw any) error {
				s, err := stringOf(raw)
				if err != nil {
					return err
				}
				dir, err := expandPath(s)
				c.Node.DataDir = dir
				return err
			},
		},
		{
			key: "node.network", flag: "network", kind: kindString, def: defaultNetwork().String(),
			usage: "network to follow: " + strings.Join(NetworkNames(), ", "),
			set: func(c *Config, raw any) error {
				s, err := stringOf(raw)
				if err != nil {
					return err
				}
				n, ok := ParseNetwork(s)
				if !ok {
					return oneOf(NetworkNames())
				}
				if p := n.Preset(); p != "" && p != params.PresetName {
					return fmt.Errorf("%w: %s needs a binary built with the %s preset; this one has the %s preset",
						ErrPresetMismatch, n, p, params.PresetName)
				}
				c.Node.Network = n
				return nil
			},
		},
		{
			key: "node.chain_config", flag: "chain-config", kind: kindString, def: "",
			usage: `the chain's config.yaml (consensus-specs format); "" for the built-in config of the network`,
			set: func(c *Config, raw any) error {
				p, err := optionalPath(raw)
				c.Node.ChainConfig = p
				return err
			},
		},
		{
			key: "node.genesis_state", flag: "genesis-state", kind: kindString, def: "",
			usage: `SSZ file of the chain's Fulu genesis BeaconState, to start an empty database from when no checkpoint sync is set; "" for none`,
			set: func(c *Config, raw any) error {
				p, err := optionalPath(raw)
				c.Node.GenesisState = p
				return err
			},
		},
		{
			key: "log.level", flag: "log-level", kind: kindString, def: "info",
			usage: "minimum level logged: " + strings.Join(logging.LevelNames(), ", "),
			set: func(c *Config, raw any) error {
				s, err := stringOf(raw)
				if err != nil {
					return err
				}
				level, err := logging.ParseLevel(s)
				if err != nil {
					return oneOf(logging.LevelNames())
				}
				c.Log.Level = level
				return nil
			},
		},
		{
			key: "log.format", flag: "log-format", kind: kindString, def: "auto",
			usage: "log format: auto (text on a terminal, JSON otherwise), text or json",
			set: func(c *Config, raw any) error {
				s, err := stringOf(raw)
				if err != nil {
					return err
				}
				format, err := logging.ParseFormat(s)
				if err != nil {
					return oneOf(logging.FormatNames())
				}
				c.Log.Format = format
				return nil
			},
		},
		{
			key: "p2p.listen_tcp", flag: "p2p-listen-tcp", kind: kindString, def: "0.0.0.0:9000",
			usage: "libp2p TCP listen address, IP:port",
			set: func(c *Config, raw any) error {
				ap, err := addrPortOf(raw, false)
				c.P2P.ListenTCP = ap
				return err
			},
		},
		{
			key: "p2p.listen_udp", flag: "p2p-listen-udp", kind: kindString, def: "0.0.0.0:9000",
			usage: "discv5 UDP listen address, IP:port",
			set: func(c *Config, raw any) error {
				ap, err := addrPortOf(raw, false)
				c.P2P.ListenUDP = ap
				return err
			},
		},
		{
			key: "p2p.static_peers", flag: "p2p-static-peers", kind: kindList, def: []string{},
			usage: "peers to stay connected to: multiaddrs (/ip4/.../p2p/...) or ENRs (enr:...)",
			set: func(c *Config, raw any) error {
				peers, err := listOf(raw)
				if err != nil {
					return err
				}
				seen := make(map[string]bool, len(peers))
				for _, p := range peers {
					if !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "enr:") {
						return fmt.Errorf("peer %q: want a multiaddr (/ip4/...) or an ENR (enr:...)", p)
					}
					if seen[p] {
						return fmt.Errorf("peer %q: listed twice", p)
					}
					seen[p] = true
				}
				c.P2P.staticPeers = peers
				return nil
			},
		},
		{
			key: "api.listen", flag: "api-listen", kind: kindString, def: "",
			usage: `beacon API listen address, IP:port; "" turns it off (reserved: the beacon API is not written yet)`,
			set: func(c *Config, raw any) error {
				ap, err := addrPortOf(raw, true)
				c.API.Listen = ap
				return err
			},
		},
		{
			key: "debug.listen", flag: "debug-listen", kind: kindString, def: "127.0.0.1:6060",
			usage: `debug HTTP server address, loopback only; "" turns it off`,
			set: func(c *Config, raw any) error {
				ap, err := addrPortOf(raw, true)
				if err != nil {
					return err
				}
				// The debug server can crash actors on request and has no authentication.
				if ap.IsValid() && !ap.Addr().IsLoopback() {
					return fmt.Errorf("%w: want one such as 127.0.0.1:6060, because the debug server "+
						"has no authentication", ErrNotLoopback)
				}
				c.Debug.Listen = ap
				return nil
			},
		},
		{
			key: "debug.fault_injection", flag: "debug-fault-injection", kind: kindBool, def: false,
			usage: "serve fault-injection controls under /debug/faults/",
			set: func(c *Config, raw any) error {
				b, err := boolOf(raw)
				c.Debug.FaultInjection = b
				return err
			},
		},
		{
			key: "debug.chaos", flag: "debug-chaos", kind: kindBool, def: false,
			usage: "kill a random actor every few seconds to watch the node heal (salamander dev only)",
			set: func(c *Config, raw any) error {
				b, err := boolOf(raw)
				c.Debug.Chaos = b
				return err
			},
		},
	}
}

// defaultNetwork is mainnet for a mainnet-preset binary; a minimal-preset binary can only run a devnet.
func defaultNetwork() Network {
	if Mainnet.Preset() == params.PresetName {
		return Mainnet
	}
	return Devnet
}

// want is a reason a value was refused; it reads as the end of "invalid value X: want ...".
type want string

func (w want) Error() string { return "want " + string(w) }

func oneOf(names []string) error { return want("one of " + strings.Join(names, ", ")) }

func stringOf(raw any) (string, error) {
	if s, ok := raw.(string); ok {
		return s, nil
	}
	return "", want("a string")
}

// boolOf accepts TOML and flag booleans and, for environment variables, strconv.ParseBool's spellings.
func boolOf(raw any) (bool, error) {
	switch v := raw.(type) {
	case bool:
		return v, nil
	case string:
		if b, err := strconv.ParseBool(v); err == nil {
			return b, nil
		}
	}
	return false, want("true or false")
}

// listOf accepts TOML arrays of strings, flag string slices and, for environment variables, a
// comma-separated string.
func listOf(raw any) ([]string, error) {
	switch v := raw.(type) {
	case []string:
		return trimList(v), nil
	case string:
		return trimList(strings.Split(v, ",")), nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, want("a list of strings")
			}
			out = append(out, s)
		}
		return trimList(out), nil
	}
	return nil, want("a list of strings")
}

func trimList(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// addrPortOf parses "IP:port". With optional, "" gives the zero AddrPort, meaning "off".
func addrPortOf(raw any, optional bool) (netip.AddrPort, error) {
	s, err := stringOf(raw)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if s == "" && optional {
		return netip.AddrPort{}, nil
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		if optional {
			return netip.AddrPort{}, want(`an IP:port address such as 127.0.0.1:6060 or [::1]:6060, or "" for off`)
		}
		return netip.AddrPort{}, want("an IP:port address such as 0.0.0.0:9000 or [::]:9000")
	}
	return ap, nil
}

// expandPath makes a directory absolute, expanding a leading "~/" to the user's home directory because a
// TOML file is not read by a shell.
func expandPath(p string) (string, error) {
	if p == "" {
		return "", want("a directory path")
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("%w (cannot expand ~: %w)", want("a directory path"), err)
		}
		p = filepath.Join(home, p[1:])
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("%w: %w", want("a directory path"), err)
	}
	return abs, nil
}
