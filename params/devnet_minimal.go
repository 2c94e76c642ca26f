//go:build minimal

package params

// compiledPresetConfig is the spec's chain config for the compiled preset.
func compiledPresetConfig() *ChainConfig { return MinimalConfig() }
