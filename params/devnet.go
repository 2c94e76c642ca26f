package params

// DevnetConfigName is the CONFIG_NAME of the built-in devnet config.
const DevnetConfigName = "devnet"

// DevnetConfig returns the chain config of a local devnet: the compiled preset's spec config with every fork at
// genesis, because Salamander implements Fulu only and a devnet starts there.
func DevnetConfig() *ChainConfig {
	cfg := compiledPresetConfig().Clone()
	cfg.ConfigName = DevnetConfigName
	for fork := range cfg.Forks {
		cfg.Forks[fork].Epoch = GenesisEpoch
	}
	return cfg
}
