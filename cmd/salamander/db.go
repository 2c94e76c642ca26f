package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/salamander-client/salamander/config"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/types"
)

const dbUsage = `Usage:
  salamander db compact [--config FILE] [flags]   rewrite the database without its free pages (node stopped)
  salamander db verify [--config FILE] [flags]    check the database's invariants and every block's root
  salamander db export-chain DIR [flags]          write the origin state and every canonical block as SSZ files

The database is <data_dir>/beacon.db; data_dir comes from --data-dir, the config file or
SALAMANDER_NODE_DATA_DIR, as for salamander run.
`

// dbCommand runs the offline database maintenance commands.
func (a app) dbCommand(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, dbUsage)
		return exitUsage
	}
	switch sub, rest := args[0], args[1:]; sub {
	case "compact":
		return a.dbCompactCommand(rest)
	case "verify":
		return a.dbVerifyCommand(rest)
	case "export-chain":
		return a.dbExportChainCommand(rest)
	case "help", "-h", "--help":
		fmt.Fprint(a.stdout, dbUsage)
		return exitOK
	default:
		fmt.Fprintf(a.stderr, "salamander db: unknown command %q\n\n%s", sub, dbUsage)
		return exitUsage
	}
}

// dbDataDir parses a db subcommand's flags and returns the configured data directory.
func (a app) dbDataDir(name string, args []string) (string, int, bool) {
	fs := a.newFlagSet("db "+name, "salamander db "+name+" [--config FILE] [flags]")
	configFile := fs.String("config", "", "TOML configuration file whose data_dir to use")
	config.AddFlags(fs, nil)
	if code, ok := a.parseFlags(fs, args); !ok {
		return "", code, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(a.stderr, "salamander db %s: unexpected argument %q\n", name, fs.Arg(0))
		return "", exitUsage, false
	}
	cfg, err := config.Load(config.Sources{File: *configFile, Environ: a.environ, Flags: fs})
	if err != nil {
		fmt.Fprintln(a.stderr, err)
		return "", exitUsage, false
	}
	return cfg.Node.DataDir, exitOK, true
}

func (a app) dbCompactCommand(args []string) int {
	dataDir, code, ok := a.dbDataDir("compact", args)
	if !ok {
		return code
	}
	res, err := store.Compact(dataDir, 2*time.Second)
	if err != nil {
		fmt.Fprintf(a.stderr, "salamander db compact: %v\n", err)
		if errors.Is(err, store.ErrLocked) {
			fmt.Fprintln(a.stderr, "The database is in use: stop the node, then compact.")
		}
		return exitFailure
	}
	fmt.Fprintf(a.stdout, "Compacted %s: %s -> %s (%d records copied and checked in %s)\n",
		res.Path, mib(res.SizeBefore), mib(res.SizeAfter), res.KeysCopied, res.Duration.Round(time.Millisecond))
	return exitOK
}

func (a app) dbVerifyCommand(args []string) int {
	dataDir, code, ok := a.dbDataDir("verify", args)
	if !ok {
		return code
	}
	rep, err := store.VerifyDir(dataDir, 2*time.Second, store.VerifyOptions{BlockRoot: blockRoot, StateRoot: stateRoot})
	if err != nil {
		fmt.Fprintf(a.stderr, "salamander db verify: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(a.stdout, "%s: ok: %d blocks (%d canonical), %d states; head slot %d, finalized epoch %d, anchor state slot %d\n",
		store.Path(dataDir), rep.Blocks, rep.Canonical, rep.States, rep.Head.Slot, rep.Finalized.Epoch, rep.Anchor.StateSlot)
	return exitOK
}

// storeConfig is the store actor's configuration: the data directory, the network the datadir must belong to,
// and the [store] section.
func storeConfig(cfg config.Config) store.Config {
	return store.Config{DataDir: cfg.Node.DataDir, Options: store.Options{
		Network:         store.NetworkOf(cfg.Chain.Spec),
		ColdStateEpochs: cfg.Store.ColdStateEpochs,
		HistoryEpochs:   cfg.Store.HistoryEpochs,
		Reader:          store.NewReader(),
	}}
}

func blockRoot(ssz []byte) (primitives.Root, error) {
	var b types.SignedBeaconBlock
	if err := types.Unmarshal(ssz, &b); err != nil {
		return primitives.Root{}, err
	}
	return types.HashTreeRoot(b.Message), nil
}

func stateRoot(ssz []byte) (primitives.Root, error) {
	var s types.BeaconState
	if err := types.Unmarshal(ssz, &s); err != nil {
		return primitives.Root{}, err
	}
	return types.HashTreeRootConcurrent(&s), nil
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
