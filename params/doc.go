// Package params holds the consensus specs' numbers: the preset compiled into the binary (constants such as
// SlotsPerEpoch, and the typed Preset), a network's runtime ChainConfig (MainnetConfig, MinimalConfig, or a
// devnet's config.yaml through LoadConfigFile), the fork and blob schedules derived from it, and the small
// helpers that turn them into fork digests, domains and signing roots.
//
// The v1.6.1 presets/ and configs/ YAML files of consensus-specs are embedded verbatim. The preset is chosen at
// build time (the "minimal" build tag selects the minimal preset) because it shapes SSZ types; a config must
// extend that preset. Build one Spec in main with NewSpec and pass it down: there are no package-level configs.
package params
