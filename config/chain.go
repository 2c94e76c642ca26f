package config

import (
	"fmt"

	"github.com/salamander-client/salamander/params"
)

// Chain is the chain the node follows: the compiled preset and a chain config (config.yaml).
type Chain struct {
	// Spec is shared by everything the configuration is passed to: never modify it.
	Spec *params.Spec
	// Warnings are what the chain config file holds that Salamander ignores (other clients' keys, forks after
	// Fulu), for the node to log at start-up.
	Warnings []params.ConfigWarning
}

// resolveChain loads the chain config file of node, or takes the built-in config of its network.
func resolveChain(node NodeConfig) (Chain, error) {
	var chain Chain
	cfg := builtinChainConfig(node.Network)
	if node.ChainConfig != "" {
		var err error
		if cfg, chain.Warnings, err = params.LoadConfigFile(node.ChainConfig); err != nil {
			return Chain{}, err
		}
	}
	spec, err := params.NewSpec(cfg)
	if err != nil {
		return Chain{}, err
	}
	chain.Spec = spec
	return chain, nil
}

// builtinChainConfig is the chain config a network follows without a chain_config file: mainnet's, or for a
// devnet params.DevnetConfig (the compiled preset's config with every fork at genesis).
func builtinChainConfig(network Network) *params.ChainConfig {
	if network == Mainnet {
		return params.MainnetConfig()
	}
	return params.DevnetConfig()
}

// String names the chain for logs: its CONFIG_NAME, or a placeholder for a file that gives none.
func (c Chain) String() string {
	if c.Spec == nil {
		return "none"
	}
	if c.Spec.ConfigName == "" {
		return fmt.Sprintf("unnamed (PRESET_BASE %s)", c.Spec.PresetBase)
	}
	return c.Spec.ConfigName
}
