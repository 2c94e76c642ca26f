package config

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/knadh/koanf/parsers/toml/v2"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/posflag"
	"github.com/knadh/koanf/v2"
	gotoml "github.com/pelletier/go-toml/v2"
	"github.com/spf13/pflag"
)

// EnvPrefix starts every environment variable the node reads.
const EnvPrefix = "SALAMANDER_"

// Sources are the inputs of Load, lowest precedence last in this list's reverse: Defaults < File < Environ < Flags.
type Sources struct {
	// Defaults replace built-in defaults, keyed like the TOML file ("node.network"). salamander dev uses them
	// for its devnet; they are still overridden by everything else.
	Defaults map[string]any
	// File is the path of a TOML file; "" reads none.
	File string
	// Environ is the environment in os.Environ's form. Every variable starting with EnvPrefix must name a key.
	Environ []string
	// Flags is a parsed flag set holding AddFlags' flags. Only flags set on the command line apply: a flag's
	// default never overrides the file or the environment. Nil reads no flags.
	Flags *pflag.FlagSet
}

// layer is one source's values, flattened to "section.key", with a name for each key's origin.
type layer struct {
	values *koanf.Koanf
	source func(key string) string
}

// Load builds the Config. Every problem in every source is reported, joined; each names its source and key.
func Load(src Sources) (Config, error) {
	opts := options()
	byKey := make(map[string]option, len(opts))
	for _, o := range opts {
		byKey[o.key] = o
	}

	var errs []error
	defaults, err := defaultsLayer(opts, byKey, src.Defaults)
	errs = append(errs, err)
	layers := []layer{defaults}
	for _, read := range []func() (layer, error){
		func() (layer, error) { return fileLayer(src.File) },
		func() (layer, error) { return envLayer(src.Environ, opts) },
		func() (layer, error) { return flagLayer(src.Flags, opts) },
	} {
		l, err := read()
		errs = append(errs, err)
		if l.values == nil {
			continue
		}
		// Each layer's values are checked on their own, so that a bad value is reported against its own source
		// even when a higher layer overrides it: `config check` must not pass a file that is wrong.
		errs = append(errs, checkLayer(l, byKey))
		layers = append(layers, l)
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}

	merged := koanf.New(".")
	origin := make(map[string]string)
	for _, l := range layers {
		if err := merged.Merge(l.values); err != nil {
			return Config{}, fmt.Errorf("merge config: %w", err)
		}
		for _, key := range l.values.Keys() {
			origin[key] = l.source(key)
		}
	}
	var cfg Config
	for _, o := range opts {
		raw := merged.Get(o.key)
		if err := o.set(&cfg, raw); err != nil {
			// Only a default can still fail here: the other layers were checked above.
			errs = append(errs, &ValueError{Source: origin[o.key], Key: o.key, Value: raw, Reason: err})
		}
	}
	// The fault-injection controls are served only by the debug server.
	if cfg.Debug.FaultInjection && !cfg.Debug.Listen.IsValid() {
		errs = append(errs, &ValueError{Source: origin["debug.fault_injection"], Key: "debug.fault_injection", Value: true,
			Reason: fmt.Errorf("%w: its controls are served by the debug server, which debug.listen = \"\" turns off", ErrConflict)})
	}
	errs = append(errs, checkSync(&cfg, origin)...)
	errs = append(errs, checkP2P(&cfg, origin)...)
	errs = append(errs, checkValidator(&cfg, origin)...)
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	// The chain config is read once every key is known good: it depends on node.network, and a file that
	// config check passes must be one the node can start with.
	chain, err := resolveChain(cfg.Node)
	if err != nil {
		return Config{}, &ValueError{Source: origin["node.chain_config"], Key: "node.chain_config", Value: cfg.Node.ChainConfig, Reason: err}
	}
	cfg.Chain = chain
	return cfg, nil
}

func defaultsLayer(opts []option, byKey map[string]option, overrides map[string]any) (layer, error) {
	values := make(map[string]any, len(opts))
	for _, o := range opts {
		values[o.key] = o.def
	}
	var errs []error
	for _, key := range sortedKeys(overrides) {
		if _, ok := byKey[key]; !ok {
			errs = append(errs, unknownKeyError("defaults", key, keysOf(opts)))
			continue
		}
		values[key] = overrides[key]
	}
	k := koanf.New(".")
	if err := k.Load(confmap.Provider(values, "."), nil); err != nil {
		return layer{}, fmt.Errorf("load defaults: %w", err)
	}
	return layer{values: k, source: func(string) string { return "defaults" }}, errors.Join(errs...)
}

func fileLayer(path string) (layer, error) {
	k := koanf.New(".")
	l := layer{values: k, source: func(string) string { return path }}
	if path == "" {
		return l, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return layer{}, fmt.Errorf("read config file: %w", err)
	}
	tree, err := toml.Parser().Unmarshal(data)
	if err != nil {
		var de *gotoml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return layer{}, fmt.Errorf("%s:%d:%d: %w: %s", path, row, col, ErrSyntax, strings.TrimPrefix(de.Error(), "toml: "))
		}
		return layer{}, fmt.Errorf("%s: %w: %s", path, ErrSyntax, strings.TrimPrefix(err.Error(), "toml: "))
	}
	if err := k.Load(confmap.Provider(tree, ""), nil); err != nil {
		return layer{}, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// EnvName is the environment variable for a key: "log.level" is SALAMANDER_LOG_LEVEL.
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

func envLayer(environ []string, opts []option) (layer, error) {
	keyOf := make(map[string]string, len(opts))
	names := make([]string, 0, len(opts))
	for _, o := range opts {
		keyOf[EnvName(o.key)] = o.key
		names = append(names, EnvName(o.key))
	}
	var unknown []error
	provider := env.Provider(".", env.Opt{
		Prefix:      EnvPrefix,
		EnvironFunc: func() []string { return environ },
		TransformFunc: func(name, value string) (string, any) {
			key, ok := keyOf[name]
			if !ok {
				unknown = append(unknown, unknownKeyError("env", name, names))
				return "", nil
			}
			return key, value
		},
	})
	k := koanf.New(".")
	if err := k.Load(provider, nil); err != nil {
		return layer{}, fmt.Errorf("read environment: %w", err)
	}
	// The known variables are still returned, so that their values are checked in the same run.
	return layer{values: k, source: func(key string) string { return "env " + EnvName(key) }}, errors.Join(unknown...)
}

func flagLayer(fs *pflag.FlagSet, opts []option) (layer, error) {
	k := koanf.New(".")
	flagOf := make(map[string]string, len(opts))
	keyOf := make(map[string]string, len(opts))
	for _, o := range opts {
		flagOf[o.key] = o.flag
		keyOf[o.flag] = o.key
	}
	l := layer{values: k, source: func(key string) string { return "flag --" + flagOf[key] }}
	if fs == nil {
		return l, nil
	}
	// With no koanf instance given, posflag skips every flag whose Changed is false.
	provider := posflag.ProviderWithFlag(fs, ".", nil, func(f *pflag.Flag) (string, any) {
		key, ok := keyOf[f.Name]
		if !ok {
			return "", nil // a subcommand's own flag, such as --config
		}
		return key, posflag.FlagVal(fs, f)
	})
	if err := k.Load(provider, nil); err != nil {
		return layer{}, fmt.Errorf("read flags: %w", err)
	}
	return l, nil
}

// checkLayer reports keys that no option has and values that their option refuses.
func checkLayer(l layer, byKey map[string]option) error {
	sections := make(map[string]bool)
	known := make([]string, 0, len(byKey))
	for key := range byKey {
		section, _, _ := strings.Cut(key, ".")
		sections[section] = true
		known = append(known, key)
	}
	slices.Sort(known)
	all := l.values.All()
	var errs []error
	for _, key := range sortedKeys(all) {
		raw := all[key]
		o, ok := byKey[key]
		switch {
		case ok:
			var scratch Config
			if err := o.set(&scratch, raw); err != nil {
				errs = append(errs, &ValueError{Source: l.source(key), Key: key, Value: raw, Reason: err})
			}
		case sections[key]:
			// koanf keeps an empty table as a key of its own; "[log]" alone is fine, "log = 1" is not.
			if m, isTable := raw.(map[string]any); !isTable || len(m) > 0 {
				errs = append(errs, &ValueError{Source: l.source(key), Key: key, Value: raw, Reason: want("a table [" + key + "]")})
			}
		default:
			errs = append(errs, unknownKeyError(l.source(key), key, known))
		}
	}
	return errors.Join(errs...)
}

func keysOf(opts []option) []string {
	keys := make([]string, len(opts))
	for i, o := range opts {
		keys[i] = o.key
	}
	return keys
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
