package store

import (
	"encoding/binary"
	"fmt"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
)

// Network is what the node's configuration says about the chain it follows. It is compared with the data
// directory's identity when the database opens, before any chain data is read.
type Network struct {
	// Preset is the preset the binary was built with ("mainnet", "minimal").
	Preset string
	// ConfigName is the chain config's CONFIG_NAME; informational, shown in errors but not compared, so that a
	// renamed config file does not lock a user out of their data.
	ConfigName         string
	GenesisForkVersion primitives.Version
	FuluForkVersion    primitives.Version
}

// Identity is the network a data directory belongs to: written with the first anchor, checked on every open and
// against every later anchor.
type Identity struct {
	Network
	GenesisValidatorsRoot primitives.Root
	GenesisTime           uint64
}

const identityEncodingVersion = 1

func encodeIdentity(id Identity) []byte {
	b := []byte{identityEncodingVersion}
	b = append(b, id.GenesisForkVersion[:]...)
	b = append(b, id.FuluForkVersion[:]...)
	b = append(b, id.GenesisValidatorsRoot[:]...)
	b = binary.BigEndian.AppendUint64(b, id.GenesisTime)
	b = appendShortString(b, id.Preset)
	return appendShortString(b, id.ConfigName)
}

func appendShortString(b []byte, s string) []byte {
	if len(s) > 255 {
		s = s[:255]
	}
	b = append(b, byte(len(s)))
	return append(b, s...)
}

func decodeIdentity(b []byte) (Identity, error) {
	const fixed = 1 + 4 + 4 + 32 + 8
	if len(b) < fixed+2 || b[0] != identityEncodingVersion {
		return Identity{}, fmt.Errorf("%w: identity record of %d bytes", ErrCorrupt, len(b))
	}
	var id Identity
	copy(id.GenesisForkVersion[:], b[1:])
	copy(id.FuluForkVersion[:], b[5:])
	copy(id.GenesisValidatorsRoot[:], b[9:])
	id.GenesisTime = binary.BigEndian.Uint64(b[41:])
	rest := b[fixed:]
	var ok bool
	if id.Preset, rest, ok = readShortString(rest); !ok {
		return Identity{}, fmt.Errorf("%w: identity record preset name truncated", ErrCorrupt)
	}
	if id.ConfigName, _, ok = readShortString(rest); !ok {
		return Identity{}, fmt.Errorf("%w: identity record config name truncated", ErrCorrupt)
	}
	return id, nil
}

func readShortString(b []byte) (string, []byte, bool) {
	if len(b) < 1 || len(b) < 1+int(b[0]) {
		return "", nil, false
	}
	n := int(b[0])
	return string(b[1 : 1+n]), b[1+n:], true
}

// checkNetwork compares the configured network with a data directory's identity.
func checkNetwork(have Identity, want Network) error {
	switch {
	case have.Preset != want.Preset:
		return fmt.Errorf("%w: preset: datadir has %q (config %q), node runs %q", ErrWrongNetwork, have.Preset, have.ConfigName, want.Preset)
	case have.GenesisForkVersion != want.GenesisForkVersion:
		return fmt.Errorf("%w: GENESIS_FORK_VERSION: datadir has %#x (config %q), node configured with %#x (config %q)",
			ErrWrongNetwork, have.GenesisForkVersion, have.ConfigName, want.GenesisForkVersion, want.ConfigName)
	case have.FuluForkVersion != want.FuluForkVersion:
		return fmt.Errorf("%w: FULU_FORK_VERSION: datadir has %#x (config %q), node configured with %#x (config %q)",
			ErrWrongNetwork, have.FuluForkVersion, have.ConfigName, want.FuluForkVersion, want.ConfigName)
	}
	return nil
}

// checkGenesis compares a data directory's identity with another genesis (of an anchor state, of a checkpoint
// node).
func checkGenesis(have Identity, gvr primitives.Root, genesisTime uint64) error {
	switch {
	case have.GenesisValidatorsRoot != gvr:
		return fmt.Errorf("%w: genesis validators root: datadir has %#x (config %q), not %#x",
			ErrWrongNetwork, have.GenesisValidatorsRoot, have.ConfigName, gvr)
	case have.GenesisTime != genesisTime:
		return fmt.Errorf("%w: genesis time: datadir has %d (config %q), not %d",
			ErrWrongNetwork, have.GenesisTime, have.ConfigName, genesisTime)
	}
	return nil
}

// NetworkOf is the Network of a chain spec.
func NetworkOf(spec *params.Spec) Network {
	return Network{
		Preset:             params.PresetName,
		ConfigName:         spec.ConfigName,
		GenesisForkVersion: spec.ForkVersion(params.Phase0),
		FuluForkVersion:    spec.ForkVersion(params.Fulu),
	}
}
