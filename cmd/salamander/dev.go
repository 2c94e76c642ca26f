package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/salamander-client/salamander/config"
	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/devnet"
	"github.com/salamander-client/salamander/engineapi"
	"github.com/salamander-client/salamander/genesis"
	"github.com/salamander-client/salamander/logging"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/supervisor"
	"github.com/salamander-client/salamander/validator/keystore"
)

// devSecondsPerSlot is the devnet's default slot time: the minimal config's, short enough to watch slots pass.
const devSecondsPerSlot = 6

// maxDevSecondsPerSlot bounds --seconds-per-slot: a day-long slot is no devnet anyone watches.
const maxDevSecondsPerSlot = 24 * 60 * 60

// devDefaults are the built-in defaults of salamander dev: a devnet on loopback only.
func devDefaults(dataDir string) map[string]any {
	return map[string]any{
		"node.data_dir":  dataDir,
		"node.network":   config.Devnet.String(),
		"p2p.listen_tcp": "127.0.0.1:9000",
		"p2p.listen_udp": "127.0.0.1:9000",
	}
}

// devDataDir is where salamander dev keeps its devnet unless told otherwise: under the user's cache directory,
// one per preset, since a binary of the other preset cannot read it. Without a cache directory (no $HOME), it is
// ./salamander-dev-<preset>.
func devDataDir() string {
	dir := "salamander-dev-" + params.PresetName
	if cache, err := os.UserCacheDir(); err == nil {
		return filepath.Join(cache, "salamander", "dev-"+params.PresetName)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// devFlags are salamander dev's own flags, beside the configuration's.
type devFlags struct {
	secondsPerSlot uint64
	validators     uint64
	preset         string
	chaos          bool
	chaosInterval  time.Duration
}

func addDevFlags(fs *pflag.FlagSet) *devFlags {
	f := &devFlags{}
	fs.Uint64Var(&f.secondsPerSlot, "seconds-per-slot", devSecondsPerSlot, "slot time of a new devnet, in seconds; a devnet keeps the one it was created with")
	fs.Uint64Var(&f.validators, "validators", genesis.DefaultValidatorCount, "interop validators of a new devnet; a devnet keeps the ones it was created with")
	fs.StringVar(&f.preset, "preset", params.PresetName, "preset of the devnet: the one this binary is built with (minimal: -tags minimal)")
	fs.BoolVar(&f.chaos, "chaos", false, "kill a random actor every --chaos-interval and watch the node heal (same as --debug-chaos)")
	fs.DurationVar(&f.chaosInterval, "chaos-interval", supervisor.DefaultChaosInterval, "time between two kills of --chaos")
	return f
}

// devCommand runs a local devnet: interop validators on the mock execution engine, the whole supervision tree, no
// network. A data directory that holds a devnet continues it; an empty one gets a new genesis.
func (a app) devCommand(args []string) int {
	fs := a.newFlagSet("dev", "salamander dev [flags]")
	config.AddFlags(fs, devDefaults(devDataDir()))
	flags := addDevFlags(fs)
	if code, ok := a.parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(a.stderr, "salamander dev: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if flags.preset != params.PresetName {
		fmt.Fprintf(a.stderr, "salamander dev: --preset %s: this binary is built with the %s preset, and the preset is chosen at build time "+
			"because it shapes the SSZ types; build the %s one:\n  go run %s./cmd/salamander dev\n",
			flags.preset, params.PresetName, flags.preset, map[string]string{"minimal": "-tags minimal "}[flags.preset])
		return exitUsage
	}
	if flags.secondsPerSlot == 0 || flags.secondsPerSlot > maxDevSecondsPerSlot {
		fmt.Fprintf(a.stderr, "flag --seconds-per-slot: invalid value %d: want 1..%d\n", flags.secondsPerSlot, maxDevSecondsPerSlot)
		return exitUsage
	}
	if flags.validators == 0 {
		fmt.Fprintln(a.stderr, "flag --validators: invalid value 0: want at least 1")
		return exitUsage
	}
	if flags.chaosInterval <= 0 {
		fmt.Fprintf(a.stderr, "flag --chaos-interval: invalid value %s: want a positive duration\n", flags.chaosInterval)
		return exitUsage
	}

	cfg, err := config.Load(config.Sources{Defaults: devDefaults(devDataDir()), Environ: a.environ, Flags: fs})
	if err != nil {
		fmt.Fprintln(a.stderr, err)
		return exitUsage
	}
	if cfg.Node.Network != config.Devnet {
		fmt.Fprintf(a.stderr, "salamander dev: node.network is %s: dev always runs a devnet; use salamander run\n", cfg.Node.Network)
		return exitUsage
	}

	logger := logging.New(a.stderr, cfg.Log.Level, cfg.Log.Format)
	settings, engine, code, ok := a.prepareDevnet(logger, cfg, fs, flags)
	if !ok {
		return code
	}
	if cfg.Chain.Spec, err = withSecondsPerSlot(cfg.Chain.Spec, settings.SecondsPerSlot); err != nil {
		fmt.Fprintf(a.stderr, "flag --seconds-per-slot: %v\n", err)
		return exitUsage
	}

	keys, err := devKeys(cfg.Validator)
	if err != nil {
		logger.Error("Cannot load the validators' keystores", "dir", cfg.Validator.KeystoresDir, "err", err)
		return exitFailure
	}
	var node *devnet.Node
	l := launch{start: startSupervisor, noNetwork: true}
	l.chain = func(_ *slog.Logger, chain chainStart, storeCfg store.Config) (supervisor.ChainOptions, error) {
		var err error
		node, err = devnet.Assemble(devnet.Options{
			Spec:                  cfg.Chain.Spec,
			DataDir:               cfg.Node.DataDir,
			Reader:                storeCfg.Options.Reader,
			GenesisTime:           chain.genesis,
			GenesisValidatorsRoot: chain.gvr,
			Validators:            settings.Validators,
			Keys:                  keys,
			Graffiti:              cfg.Validator.Graffiti,
			FeeRecipient:          cfg.Validator.FeeRecipient,
			Engine:                engine,
		})
		if err != nil {
			return supervisor.ChainOptions{}, err
		}
		keysFrom := "interop"
		if len(keys) > 0 {
			keysFrom = cfg.Validator.KeystoresDir
		}
		logger.Info("Devnet", "validators", settings.Validators, "keys", keysFrom, "seconds_per_slot", settings.SecondsPerSlot,
			"preset", params.PresetName, "engine", "embedded mock", "data_dir", cfg.Node.DataDir)
		return node.Chain, nil
	}
	if flags.chaos || cfg.Debug.Chaos {
		l.chaos = &supervisor.ChaosOptions{Interval: flags.chaosInterval}
	}
	code = a.runNode(cfg, l)
	if node != nil {
		if err := node.Close(); err != nil {
			logger.Error("Closing the devnet failed", "err", err)
			code = max(code, exitFailure)
		}
	}
	return code
}

// prepareDevnet makes the data directory hold a devnet, a new one unless it holds one already, and returns its
// settings and the mock execution engine, seeded with its chain. ok is false when the node must not start; code
// is then the exit code.
func (a app) prepareDevnet(logger *slog.Logger, cfg config.Config, fs *pflag.FlagSet, flags *devFlags) (devnet.Settings, *engineapi.MockEngine, int, bool) {
	dataDir := cfg.Node.DataDir
	opts := storeConfig(cfg).Options
	opts.Reader = nil
	db, err := store.Open(dataDir, opts)
	if err != nil {
		logStoreFailure(logger, "Cannot open the database", dataDir, err)
		return devnet.Settings{}, nil, exitFailure, false
	}
	defer func() {
		if err := db.Close(); err != nil {
			logger.Warn("Closing the database after start-up failed", "data_dir", dataDir, "err", err)
		}
	}()

	settings, found, err := devnet.LoadSettings(dataDir)
	if err != nil {
		logger.Error("Cannot read the devnet's settings", "data_dir", dataDir, "err", err)
		return devnet.Settings{}, nil, exitFailure, false
	}
	_, err = db.Anchor()
	hasChain := err == nil
	if err != nil && !errors.Is(err, store.ErrNoAnchor) {
		logStoreFailure(logger, "Cannot read the database", dataDir, err)
		return devnet.Settings{}, nil, exitFailure, false
	}
	if hasChain && found {
		for _, f := range []struct {
			flag      string
			have, new uint64
		}{{"seconds-per-slot", settings.SecondsPerSlot, flags.secondsPerSlot}, {"validators", settings.Validators, flags.validators}} {
			if fs.Changed(f.flag) && f.have != f.new {
				fmt.Fprintf(a.stderr, "flag --%s: the devnet in %s was created with %d; a devnet keeps it for life: give another --data-dir for a new devnet\n",
					f.flag, dataDir, f.have)
				return devnet.Settings{}, nil, exitUsage, false
			}
		}
	} else {
		// A new devnet's slot time is the flag's, unless a chain config file gives one and the flag was left alone.
		seconds := flags.secondsPerSlot
		if cfg.Node.ChainConfig != "" && !fs.Changed("seconds-per-slot") {
			seconds = cfg.Chain.Spec.SecondsPerSlot
		}
		if hasChain {
			logger.Warn("The data directory holds a chain without devnet settings: assuming the slot time given",
				"data_dir", dataDir, "seconds_per_slot", seconds)
		}
		settings = devnet.Settings{Preset: params.PresetName, SecondsPerSlot: seconds, Validators: flags.validators}
	}

	spec, err := withSecondsPerSlot(cfg.Chain.Spec, settings.SecondsPerSlot)
	if err != nil {
		fmt.Fprintf(a.stderr, "flag --seconds-per-slot: %v\n", err)
		return devnet.Settings{}, nil, exitUsage, false
	}
	gen, err := devnet.EnsureGenesis(logger, db, dataDir, devnet.GenesisOptions{Spec: spec, Validators: settings.Validators,
		GenesisTime: time.Now().Truncate(time.Second).Add(devnet.DefaultGenesisDelay)})
	if err != nil {
		logger.Error("Cannot make the devnet's genesis", "data_dir", dataDir, "err", err)
		return devnet.Settings{}, nil, exitFailure, false
	}
	if !found || gen.Created {
		if !gen.Created {
			settings.Validators = gen.Validators // a chain from before its settings were kept
		}
		if err := devnet.SaveSettings(dataDir, settings); err != nil {
			logger.Error("Cannot write the devnet's settings", "data_dir", dataDir, "err", err)
			return devnet.Settings{}, nil, exitFailure, false
		}
	}
	engine, err := devnet.SeedEngine(db.Reader)
	if err != nil {
		logger.Error("Cannot start the mock execution engine", "data_dir", dataDir, "err", err)
		return devnet.Settings{}, nil, exitFailure, false
	}
	return settings, engine, exitOK, true
}

// devKeys loads the keys of [validator] keystores_dir, or returns none: the devnet then runs its interop validators.
func devKeys(cfg config.ValidatorConfig) ([]*bls.SecretKey, error) {
	if cfg.KeystoresDir == "" {
		return nil, nil
	}
	password, err := keystore.ReadPasswordFile(cfg.PasswordFile)
	if err != nil {
		return nil, err
	}
	loaded, err := keystore.LoadDir(cfg.KeystoresDir, password)
	if err != nil {
		return nil, err
	}
	keys := make([]*bls.SecretKey, len(loaded))
	for i, k := range loaded {
		keys[i] = k.SecretKey
	}
	return keys, nil
}

// withSecondsPerSlot is spec with another slot time.
func withSecondsPerSlot(spec *params.Spec, seconds uint64) (*params.Spec, error) {
	cfg := spec.ChainConfig.Clone()
	cfg.SecondsPerSlot = seconds
	cfg.SlotDuration = time.Duration(seconds) * time.Second
	return params.NewSpec(cfg)
}
