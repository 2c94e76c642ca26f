package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/salamander-client/salamander/config"
	"github.com/salamander-client/salamander/params"
)

func (a app) runCommand(args []string) int {
	fs := a.newFlagSet("run", "salamander run [--config FILE] [flags]")
	configFile := fs.String("config", "", "TOML configuration file (see config.toml.example); none: defaults, environment and flags only")
	config.AddFlags(fs, nil)
	if code, ok := a.parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(a.stderr, "salamander run: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	cfg, err := config.Load(config.Sources{File: *configFile, Environ: a.environ, Flags: fs})
	if err != nil {
		fmt.Fprintln(a.stderr, err)
		return exitUsage
	}
	return a.runNode(cfg, launch{start: startSupervisor})
}

// devSecondsPerSlot is the devnet's default slot time: the minimal config's, short enough to watch slots pass.
const devSecondsPerSlot = 6

// devDefaults are the built-in defaults of salamander dev: a devnet on loopback only.
func devDefaults(dataDir string) map[string]any {
	return map[string]any{
		"node.data_dir":  dataDir,
		"node.network":   config.Devnet.String(),
		"p2p.listen_tcp": "127.0.0.1:9000",
		"p2p.listen_udp": "127.0.0.1:9000",
	}
}

func (a app) devCommand(args []string) int {
	fs := a.newFlagSet("dev", "salamander dev [flags]")
	// The help shows a description where the real default is a directory made after parsing.
	config.AddFlags(fs, devDefaults("a new temporary directory, removed at exit"))
	secondsPerSlot := fs.Uint64("seconds-per-slot", devSecondsPerSlot, "slot time of the devnet, in seconds")
	if code, ok := a.parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(a.stderr, "salamander dev: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *secondsPerSlot == 0 || *secondsPerSlot > maxDevSecondsPerSlot {
		fmt.Fprintf(a.stderr, "flag --seconds-per-slot: invalid value %d: want 1..%d\n", *secondsPerSlot, maxDevSecondsPerSlot)
		return exitUsage
	}

	// Every dev run starts a new chain, so yesterday's data is useless: it lives in a directory removed at exit
	// unless --data-dir (or its variable) names one.
	tmp, err := os.MkdirTemp("", "salamander-dev-")
	if err != nil {
		fmt.Fprintf(a.stderr, "salamander dev: %v\n", err)
		return exitFailure
	}
	defer os.RemoveAll(tmp)

	cfg, err := config.Load(config.Sources{Defaults: devDefaults(tmp), Environ: a.environ, Flags: fs})
	if err != nil {
		fmt.Fprintln(a.stderr, err)
		return exitUsage
	}
	if cfg.Node.Network != config.Devnet {
		fmt.Fprintf(a.stderr, "salamander dev: node.network is %s: dev always runs a devnet; use salamander run\n", cfg.Node.Network)
		return exitUsage
	}
	// The devnet's slot time is the flag's, unless a chain config file gives one and the flag was left alone.
	if cfg.Node.ChainConfig == "" || fs.Changed("seconds-per-slot") {
		if cfg.Chain.Spec, err = withSecondsPerSlot(cfg.Chain.Spec, *secondsPerSlot); err != nil {
			fmt.Fprintf(a.stderr, "flag --seconds-per-slot: %v\n", err)
			return exitUsage
		}
	}
	// Slot boundaries on whole seconds, slot 0 just after start-up.
	genesis := time.Now().Truncate(time.Second).Add(time.Second)
	return a.runNode(cfg, launch{devGenesis: genesis, start: startSupervisor})
}

// maxDevSecondsPerSlot bounds --seconds-per-slot: a day-long slot is no devnet anyone watches.
const maxDevSecondsPerSlot = 24 * 60 * 60

// withSecondsPerSlot is spec with another slot time.
func withSecondsPerSlot(spec *params.Spec, seconds uint64) (*params.Spec, error) {
	cfg := spec.ChainConfig.Clone()
	cfg.SecondsPerSlot = seconds
	cfg.SlotDuration = time.Duration(seconds) * time.Second
	return params.NewSpec(cfg)
}

func (a app) configCheckCommand(args []string) int {
	fs := a.newFlagSet("config check", "salamander config check FILE [flags]")
	config.AddFlags(fs, nil)
	if code, ok := a.parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(a.stderr, "salamander config check: want one FILE")
		return exitUsage
	}
	file := fs.Arg(0)
	// The environment and flags are applied as `salamander run --config FILE` would, so that a variable set on
	// the host cannot break a file that checked clean.
	if _, err := config.Load(config.Sources{File: file, Environ: a.environ, Flags: fs}); err != nil {
		fmt.Fprintln(a.stderr, err)
		return exitUsage
	}
	fmt.Fprintf(a.stdout, "%s: ok\n", file)
	return exitOK
}

func (a app) versionCommand(args []string) int {
	fs := a.newFlagSet("version", "salamander version")
	if code, ok := a.parseFlags(fs, args); !ok {
		return code
	}
	fmt.Fprintf(a.stdout, "salamander %s\ncommit:  %s\ngo:      %s %s/%s\npreset:  %s\n",
		version(), commit(), runtime.Version(), runtime.GOOS, runtime.GOARCH, params.PresetName)
	return exitOK
}

// version is the module version the binary was built at: a tag for `go install ...@vX.Y.Z`, "(devel)" from a
// checkout.
func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

// commit is the VCS revision the go command stamped into the binary, or "unknown" when it was built without
// VCS information (-buildvcs=false, or outside a checkout).
func commit() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	settings := make(map[string]string)
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	revision := settings["vcs.revision"]
	if revision == "" {
		return "unknown"
	}
	var b strings.Builder
	b.WriteString(revision)
	if settings["vcs.modified"] == "true" {
		b.WriteString(" (modified)")
	}
	if t := settings["vcs.time"]; t != "" {
		b.WriteString(", " + t)
	}
	return b.String()
}
