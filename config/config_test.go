package config

import (
	"errors"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/salamander-client/salamander/logging"
	"github.com/salamander-client/salamander/params"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// parsedFlags returns a flag set with the config flags, parsed from args.
func parsedFlags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	AddFlags(fs, nil)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func mustLoad(t *testing.T, src Sources) Config {
	t.Helper()
	cfg, err := Load(src)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cfg
}

func TestDefaults(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	cfg := mustLoad(t, Sources{})

	if want := filepath.Join(home, ".salamander"); cfg.Node.DataDir != want {
		t.Errorf("data dir = %q, want %q", cfg.Node.DataDir, want)
	}
	if want := defaultNetwork(); cfg.Node.Network != want {
		t.Errorf("network = %v, want %v", cfg.Node.Network, want)
	}
	if cfg.Log.Level != slog.LevelInfo || cfg.Log.Format != logging.FormatAuto {
		t.Errorf("log = %v %v, want info auto", cfg.Log.Level, cfg.Log.Format)
	}
	if want := netip.MustParseAddrPort("0.0.0.0:9000"); cfg.P2P.ListenTCP != want || cfg.P2P.ListenUDP != want {
		t.Errorf("p2p listen = %v %v, want %v", cfg.P2P.ListenTCP, cfg.P2P.ListenUDP, want)
	}
	if len(cfg.P2P.StaticPeers()) != 0 {
		t.Errorf("static peers = %v, want none", cfg.P2P.StaticPeers())
	}
	if cfg.API.Listen.IsValid() {
		t.Errorf("api listen = %v, want off", cfg.API.Listen)
	}
	if want := netip.MustParseAddrPort("127.0.0.1:6060"); cfg.Debug.Listen != want {
		t.Errorf("debug listen = %v, want %v", cfg.Debug.Listen, want)
	}
	if cfg.Debug.FaultInjection || cfg.Debug.Chaos {
		t.Errorf("fault injection %v, chaos %v: want both off", cfg.Debug.FaultInjection, cfg.Debug.Chaos)
	}
}

func TestDefaultsNetworkMatchesPreset(t *testing.T) {
	want := Devnet
	if params.PresetName == "mainnet" {
		want = Mainnet
	}
	if got := defaultNetwork(); got != want {
		t.Errorf("default network with the %s preset = %v, want %v", params.PresetName, got, want)
	}
}

const fileConfig = `
[node]
data_dir = "/var/lib/salamander"
network = "devnet"

[log]
level = "warn"
format = "json"

[p2p]
listen_tcp = "127.0.0.1:9100"
listen_udp = "[::1]:9101"
static_peers = ["/ip4/127.0.0.1/tcp/9200/p2p/16Uiu2HAm", "enr:-abc"]

[api]
listen = "127.0.0.1:5052"

[debug]
listen = "[::1]:7070"
fault_injection = true
chaos = true
`

// TestPrecedence walks up the layers one at a time: each one overrides the one below it for the keys it sets
// and leaves the others alone.
func TestPrecedence(t *testing.T) {
	file := writeFile(t, "config.toml", fileConfig)

	t.Run("file over defaults", func(t *testing.T) {
		cfg := mustLoad(t, Sources{File: file})
		if cfg.Node.DataDir != "/var/lib/salamander" || cfg.Node.Network != Devnet {
			t.Errorf("node = %+v", cfg.Node)
		}
		if cfg.Log.Level != slog.LevelWarn || cfg.Log.Format != logging.FormatJSON {
			t.Errorf("log = %+v", cfg.Log)
		}
		if cfg.P2P.ListenTCP != netip.MustParseAddrPort("127.0.0.1:9100") ||
			cfg.P2P.ListenUDP != netip.MustParseAddrPort("[::1]:9101") {
			t.Errorf("p2p = %v %v", cfg.P2P.ListenTCP, cfg.P2P.ListenUDP)
		}
		if got := cfg.P2P.StaticPeers(); !slices.Equal(got, []string{"/ip4/127.0.0.1/tcp/9200/p2p/16Uiu2HAm", "enr:-abc"}) {
			t.Errorf("static peers = %q", got)
		}
		if cfg.API.Listen != netip.MustParseAddrPort("127.0.0.1:5052") {
			t.Errorf("api = %v", cfg.API.Listen)
		}
		if cfg.Debug.Listen != netip.MustParseAddrPort("[::1]:7070") || !cfg.Debug.FaultInjection || !cfg.Debug.Chaos {
			t.Errorf("debug = %+v", cfg.Debug)
		}
	})

	env := []string{
		"PATH=/usr/bin", // variables without the prefix are not ours
		"SALAMANDER_LOG_LEVEL=error",
		"SALAMANDER_P2P_STATIC_PEERS=enr:-one, enr:-two",
		"SALAMANDER_DEBUG_FAULT_INJECTION=false",
	}
	t.Run("env over file", func(t *testing.T) {
		cfg := mustLoad(t, Sources{File: file, Environ: env})
		if cfg.Log.Level != slog.LevelError {
			t.Errorf("level = %v, want error from env", cfg.Log.Level)
		}
		if cfg.Log.Format != logging.FormatJSON {
			t.Errorf("format = %v, want json from the file", cfg.Log.Format)
		}
		if got := cfg.P2P.StaticPeers(); !slices.Equal(got, []string{"enr:-one", "enr:-two"}) {
			t.Errorf("static peers = %q, want the env's list", got)
		}
		if cfg.Debug.FaultInjection {
			t.Error("fault injection on, want off from env")
		}
	})

	t.Run("set flag over env", func(t *testing.T) {
		flags := parsedFlags(t, "--log-level=debug", "--p2p-static-peers=enr:-flag", "--debug-fault-injection", "--data-dir=/srv/node")
		cfg := mustLoad(t, Sources{File: file, Environ: env, Flags: flags})
		if cfg.Log.Level != slog.LevelDebug {
			t.Errorf("level = %v, want debug from the flag", cfg.Log.Level)
		}
		if got := cfg.P2P.StaticPeers(); !slices.Equal(got, []string{"enr:-flag"}) {
			t.Errorf("static peers = %q, want the flag's", got)
		}
		if !cfg.Debug.FaultInjection {
			t.Error("fault injection off, want on from the flag")
		}
		if cfg.Node.DataDir != "/srv/node" {
			t.Errorf("data dir = %q, want the flag's", cfg.Node.DataDir)
		}
		if cfg.Log.Format != logging.FormatJSON || cfg.Node.Network != Devnet {
			t.Errorf("format %v, network %v: want json and devnet from the file", cfg.Log.Format, cfg.Node.Network)
		}
	})

	t.Run("flag over defaults", func(t *testing.T) {
		cfg := mustLoad(t, Sources{Flags: parsedFlags(t, "--log-format", "text", "--debug-listen", "")})
		if cfg.Log.Format != logging.FormatText {
			t.Errorf("format = %v, want text", cfg.Log.Format)
		}
		if cfg.Debug.Listen.IsValid() {
			t.Errorf("debug listen = %v, want off", cfg.Debug.Listen)
		}
	})
}

// TestUnsetFlagKeepsLowerLayers checks the rule that matters most for deployments: a flag's default, even a
// different one from the file's value, must never replace what the file or the environment says.
func TestUnsetFlagKeepsLowerLayers(t *testing.T) {
	file := writeFile(t, "config.toml", "[log]\nlevel = \"warn\"\n[debug]\nfault_injection = true\n")
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	// Defaults shown in the help that differ from the file's values.
	AddFlags(fs, map[string]any{"log.level": "debug", "log.format": "text", "debug.fault_injection": false})
	if err := fs.Parse([]string{"--network", "devnet"}); err != nil {
		t.Fatal(err)
	}
	cfg := mustLoad(t, Sources{File: file, Environ: []string{"SALAMANDER_LOG_FORMAT=json"}, Flags: fs})
	if cfg.Log.Level != slog.LevelWarn {
		t.Errorf("level = %v, want warn from the file", cfg.Log.Level)
	}
	if !cfg.Debug.FaultInjection {
		t.Error("fault injection off, want on from the file")
	}
	if cfg.Log.Format != logging.FormatJSON {
		t.Errorf("format = %v, want json from env", cfg.Log.Format)
	}
	if cfg.Node.Network != Devnet {
		t.Errorf("network = %v, want devnet from the set flag", cfg.Node.Network)
	}
}

func TestDefaultOverrides(t *testing.T) {
	overrides := map[string]any{"node.network": "devnet", "node.data_dir": "/tmp/dev", "log.level": "debug"}
	cfg := mustLoad(t, Sources{Defaults: overrides, Environ: []string{"SALAMANDER_LOG_LEVEL=warn"}})
	if cfg.Node.Network != Devnet || cfg.Node.DataDir != "/tmp/dev" {
		t.Errorf("node = %+v, want the overrides", cfg.Node)
	}
	if cfg.Log.Level != slog.LevelWarn {
		t.Errorf("level = %v, want env over the overridden default", cfg.Log.Level)
	}

	_, err := Load(Sources{Defaults: map[string]any{"node.netwrk": "devnet"}})
	if !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), `defaults: unknown key "node.netwrk"`) {
		t.Errorf("unknown override: err = %v", err)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		toml   string
		env    []string
		flags  []string
		sentry error
		msg    string // the whole message, with "FILE" for the file's path
	}{
		{
			name: "unknown file key", toml: "[log]\nlevle = \"info\"\n", sentry: ErrUnknownKey,
			msg: `FILE: unknown key "log.levle" (did you mean "log.level"?)`,
		},
		{
			name: "unknown file key without a near one", toml: "[node]\nvalidators = 4\n", sentry: ErrUnknownKey,
			msg: `FILE: unknown key "node.validators"`,
		},
		{
			name: "unknown section", toml: "[metrics]\n", sentry: ErrUnknownKey,
			msg: `FILE: unknown key "metrics"`,
		},
		{
			name: "top-level key", toml: "level = \"info\"\n", sentry: ErrUnknownKey,
			msg: `FILE: unknown key "level"`,
		},
		{
			name: "section given a value", toml: "log = \"info\"\n", sentry: ErrInvalidValue,
			msg: `FILE: log: invalid value "info": want a table [log]`,
		},
		{
			name: "bad level in file", toml: "[log]\nlevel = \"loud\"\n", sentry: ErrInvalidValue,
			msg: `FILE: log.level: invalid value "loud": want one of debug, info, warn, error`,
		},
		{
			name: "wrong type in file", toml: "[debug]\nlisten = 6060\n", sentry: ErrInvalidValue,
			msg: `FILE: debug.listen: invalid value 6060: want a string`,
		},
		{
			name: "bad format", toml: "[log]\nformat = \"xml\"\n", sentry: ErrInvalidValue,
			msg: `FILE: log.format: invalid value "xml": want one of auto, text, json`,
		},
		{
			name: "unknown network", toml: "[node]\nnetwork = \"holesky\"\n", sentry: ErrInvalidValue,
			msg: `FILE: node.network: invalid value "holesky": want one of mainnet, devnet`,
		},
		{
			name: "bad address", toml: "[p2p]\nlisten_tcp = \"localhost:9000\"\n", sentry: ErrInvalidValue,
			msg: `FILE: p2p.listen_tcp: invalid value "localhost:9000": want an IP:port address such as 0.0.0.0:9000 or [::]:9000`,
		},
		{
			name: "debug server off loopback", toml: "[debug]\nlisten = \"0.0.0.0:6060\"\n", sentry: ErrNotLoopback,
			msg: `FILE: debug.listen: invalid value "0.0.0.0:6060": not a loopback address: want one such as 127.0.0.1:6060, because the debug server has no authentication`,
		},
		{
			name: "bad peer", toml: "[p2p]\nstatic_peers = [\"10.0.0.1:9000\"]\n", sentry: ErrInvalidValue,
			msg: `FILE: p2p.static_peers: invalid value ["10.0.0.1:9000"]: peer "10.0.0.1:9000": want a multiaddr (/ip4/...) or an ENR (enr:...)`,
		},
		{
			name: "bad peer list type", toml: "[p2p]\nstatic_peers = [1]\n", sentry: ErrInvalidValue,
			msg: `FILE: p2p.static_peers: invalid value [1]: want a list of strings`,
		},
		{
			name: "empty data dir", toml: "[node]\ndata_dir = \"\"\n", sentry: ErrInvalidValue,
			msg: `FILE: node.data_dir: invalid value "": want a directory path`,
		},
		{
			name: "syntax", toml: "[log]\nlevel = loud\n", sentry: ErrSyntax,
			msg: `FILE:2:9: invalid TOML: incomplete number`,
		},
		{
			name: "duplicate key", toml: "[log]\nlevel = \"info\"\nlevel = \"debug\"\n", sentry: ErrSyntax,
			msg: `FILE: invalid TOML: key level is already defined`,
		},
		{
			name: "unknown env variable", env: []string{"SALAMANDER_LOG_LEVLE=debug"}, sentry: ErrUnknownKey,
			msg: `env: unknown key "SALAMANDER_LOG_LEVLE" (did you mean "SALAMANDER_LOG_LEVEL"?)`,
		},
		{
			name: "bad env value", env: []string{"SALAMANDER_LOG_LEVEL=loud"}, sentry: ErrInvalidValue,
			msg: `env SALAMANDER_LOG_LEVEL: log.level: invalid value "loud": want one of debug, info, warn, error`,
		},
		{
			name: "bad env bool", env: []string{"SALAMANDER_DEBUG_FAULT_INJECTION=yes"}, sentry: ErrInvalidValue,
			msg: `env SALAMANDER_DEBUG_FAULT_INJECTION: debug.fault_injection: invalid value "yes": want true or false`,
		},
		{
			name: "bad flag value", flags: []string{"--debug-listen=192.0.2.1:6060"}, sentry: ErrNotLoopback,
			msg: `flag --debug-listen: debug.listen: invalid value "192.0.2.1:6060": not a loopback address: want one such as 127.0.0.1:6060, because the debug server has no authentication`,
		},
		{
			name: "fault injection without the debug server", toml: "[debug]\nfault_injection = true\n",
			flags: []string{"--debug-listen="}, sentry: ErrConflict,
			msg: `FILE: debug.fault_injection: invalid value true: conflicts with another key: its controls are served by the debug server, which debug.listen = "" turns off`,
		},
		{
			name: "QUIC on the discv5 port", toml: "[p2p]\nlisten_quic = \"0.0.0.0:9000\"\n", sentry: ErrConflict,
			msg: `FILE: p2p.listen_quic: invalid value "0.0.0.0:9000": conflicts with another key: p2p.listen_udp 0.0.0.0:9000 uses that UDP port for discv5: give QUIC another port`,
		},
		{
			name: "more target peers than max", toml: "[p2p]\ntarget_peers = 150\n", sentry: ErrConflict,
			msg: `FILE: p2p.target_peers: invalid value 150: conflicts with another key: more than p2p.max_peers (100), the most the node keeps`,
		},
		{
			name:  "every problem at once",
			toml:  "[log]\nlevel = \"loud\"\nformat = \"xml\"\n",
			env:   []string{"SALAMANDER_NODE_NETWORK=moon"},
			flags: []string{"--api-listen=nowhere"}, sentry: ErrInvalidValue,
			msg: `FILE: log.format: invalid value "xml": want one of auto, text, json` + "\n" +
				`FILE: log.level: invalid value "loud": want one of debug, info, warn, error` + "\n" +
				`env SALAMANDER_NODE_NETWORK: node.network: invalid value "moon": want one of mainnet, devnet` + "\n" +
				`flag --api-listen: api.listen: invalid value "nowhere": want an IP:port address such as 127.0.0.1:6060 or [::1]:6060, or "" for off`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var src Sources
			if tt.toml != "" {
				src.File = writeFile(t, "config.toml", tt.toml)
			}
			src.Environ = tt.env
			src.Flags = parsedFlags(t, tt.flags...)
			_, err := Load(src)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if !errors.Is(err, tt.sentry) {
				t.Errorf("error %v does not match %v", err, tt.sentry)
			}
			if want := strings.ReplaceAll(tt.msg, "FILE", src.File); err.Error() != want {
				t.Errorf("error:\n%s\nwant:\n%s", err, want)
			}
		})
	}
}

func TestEmptySectionsAreAccepted(t *testing.T) {
	file := writeFile(t, "config.toml", "[node]\n[log]\n[p2p]\n[api]\n[debug]\n")
	mustLoad(t, Sources{File: file})
}

func TestMissingFile(t *testing.T) {
	_, err := Load(Sources{File: filepath.Join(t.TempDir(), "absent.toml")})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
}

func TestPresetMismatch(t *testing.T) {
	_, err := Load(Sources{Flags: parsedFlags(t, "--network=mainnet")})
	if params.PresetName == "mainnet" {
		if err != nil {
			t.Fatalf("mainnet with the mainnet preset: %v", err)
		}
		return
	}
	if !errors.Is(err, ErrPresetMismatch) {
		t.Fatalf("mainnet with the %s preset: err = %v, want ErrPresetMismatch", params.PresetName, err)
	}
	if !strings.Contains(err.Error(), "flag --network: node.network") {
		t.Errorf("error %q does not name the flag and key", err)
	}
}

func TestDataDirExpansion(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"~":             home,
		"~/chain/":      filepath.Join(home, "chain"),
		"relative/dir":  filepath.Join(cwd, "relative", "dir"),
		"/abs/../other": "/other",
	} {
		cfg := mustLoad(t, Sources{Flags: parsedFlags(t, "--data-dir", in)})
		if cfg.Node.DataDir != want {
			t.Errorf("data dir %q = %q, want %q", in, cfg.Node.DataDir, want)
		}
	}
}

func TestStaticPeersIsACopy(t *testing.T) {
	cfg := mustLoad(t, Sources{Environ: []string{"SALAMANDER_P2P_STATIC_PEERS=enr:-a"}})
	cfg.P2P.StaticPeers()[0] = "changed"
	if got := cfg.P2P.StaticPeers()[0]; got != "enr:-a" {
		t.Errorf("static peer = %q after changing a returned slice", got)
	}
}

func TestEnvName(t *testing.T) {
	for key, want := range map[string]string{
		"log.level":             "SALAMANDER_LOG_LEVEL",
		"node.data_dir":         "SALAMANDER_NODE_DATA_DIR",
		"debug.fault_injection": "SALAMANDER_DEBUG_FAULT_INJECTION",
	} {
		if got := EnvName(key); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", key, got, want)
		}
	}
}

const exampleFile = "../config.toml.example"

func TestExampleFileLoads(t *testing.T) {
	mustLoad(t, Sources{File: exampleFile})
}

// TestExampleFileDocumentsEveryDefault uncomments every "# key = value" line of the example file and checks
// that it then names every key, in order, each set to its built-in default.
func TestExampleFileDocumentsEveryDefault(t *testing.T) {
	data, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	setting := regexp.MustCompile(`^# ([a-z_]+ = .*)$`)
	var uncommented []string
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSuffix(line, "\n")
		if m := setting.FindStringSubmatch(line); m != nil {
			line = m[1]
		}
		uncommented = append(uncommented, line)
	}
	file := writeFile(t, "example.toml", strings.Join(uncommented, "\n"))

	home := t.TempDir()
	t.Setenv("HOME", home)
	fromExample, err := Load(Sources{File: file})
	if params.PresetName != "mainnet" {
		// The example shows mainnet's default network, which a minimal-preset binary refuses; everything else
		// must still match.
		if !errors.Is(err, ErrPresetMismatch) {
			t.Fatalf("example with the %s preset: err = %v, want only ErrPresetMismatch", params.PresetName, err)
		}
		devnet := strings.ReplaceAll(strings.Join(uncommented, "\n"), `network = "mainnet"`, `network = "devnet"`)
		fromExample, err = Load(Sources{File: writeFile(t, "example-devnet.toml", devnet)})
	}
	if err != nil {
		t.Fatal(err)
	}
	defaults := mustLoad(t, Sources{})
	if !equalConfig(fromExample, defaults) {
		t.Errorf("example file with every line uncommented:\n%+v\nbuilt-in defaults:\n%+v", fromExample, defaults)
	}

	var documented []string
	for _, line := range uncommented {
		if key, _, ok := strings.Cut(line, " = "); ok && !strings.HasPrefix(key, "#") {
			documented = append(documented, key)
		}
	}
	var keys []string
	for _, o := range options() {
		_, key, _ := strings.Cut(o.key, ".")
		keys = append(keys, key)
	}
	if !slices.Equal(documented, keys) {
		t.Errorf("example file documents %q, want %q", documented, keys)
	}
}

func equalConfig(a, b Config) bool {
	return a.Node == b.Node && a.Log == b.Log && a.API == b.API && a.Debug == b.Debug &&
		a.P2P.ListenTCP == b.P2P.ListenTCP && a.P2P.ListenUDP == b.P2P.ListenUDP &&
		slices.Equal(a.P2P.StaticPeers(), b.P2P.StaticPeers())
}

func TestSuggestion(t *testing.T) {
	known := []string{"log.level", "log.format", "debug.listen"}
	for name, want := range map[string]string{
		"log.levle":  "log.level",
		"log.formt":  "log.format",
		"debug.lstn": "debug.listen",
		"metrics":    "",
		"api.listen": "",
	} {
		if got := nearest(name, known); got != want {
			t.Errorf("nearest(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestUDPOverlap(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"0.0.0.0:9000", "0.0.0.0:9000", true},
		{"127.0.0.1:9000", "0.0.0.0:9000", true},
		{"[::]:9000", "127.0.0.1:9000", true},
		{"127.0.0.1:9000", "127.0.0.2:9000", false},
		{"0.0.0.0:9000", "0.0.0.0:9001", false},
		{"127.0.0.1:0", "127.0.0.1:0", false}, // port 0 picks a free port each time
		{"0.0.0.0:9000", "", false},           // QUIC off
	} {
		a, _ := netip.ParseAddrPort(tt.a)
		b, _ := netip.ParseAddrPort(tt.b)
		if got := udpOverlap(a, b); got != tt.want {
			t.Errorf("udpOverlap(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
