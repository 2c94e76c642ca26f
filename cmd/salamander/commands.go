package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

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
	return a.runNode(cfg, launch{start: startSupervisor, chain: followChain(cfg)})
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
