package params

import "fmt"

// Spec is everything the consensus rules read: the compiled preset and the network's chain config. Build one in
// main with NewSpec and pass it down; never mutate it.
type Spec struct {
	Preset
	ChainConfig
}

// NewSpec pairs cfg with the compiled preset. cfg must extend that preset (ErrPresetMismatch) and be valid.
func NewSpec(cfg *ChainConfig) (*Spec, error) {
	if cfg.PresetBase != PresetName {
		return nil, fmt.Errorf("new spec: %w", keyError("PRESET_BASE", fmt.Errorf(
			"%w: the config extends %q, this binary was built for %q", ErrPresetMismatch, cfg.PresetBase, PresetName)))
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new spec: %w", err)
	}
	preset, err := CompiledPreset()
	if err != nil {
		return nil, fmt.Errorf("new spec: %w", err)
	}
	return &Spec{Preset: preset, ChainConfig: *cfg.Clone()}, nil
}

// Values renders every preset and config key as the beacon API's /eth/v1/config/spec shows them.
func (s *Spec) Values() map[string]any {
	values := s.ChainConfig.Values()
	for _, f := range s.Preset.fields() {
		values[f.key] = f.value.render()
	}
	return values
}
