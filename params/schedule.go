package params

import (
	"crypto/sha256"
	"encoding/binary"
	"time"

	"github.com/salamander-client/salamander/primitives"
)

// BlobParameters is the spec's BlobParameters: the blob limit in force and the epoch it took effect.
type BlobParameters struct {
	Epoch            primitives.Epoch
	MaxBlobsPerBlock uint64
}

// scheduled reports whether a fork is ever activated; FAR_FUTURE_EPOCH means "not scheduled".
func (c *ChainConfig) scheduled(fork Fork) bool {
	return fork == Phase0 || c.Forks[fork].Epoch != primitives.FarFutureEpoch
}

// ForkAtEpoch returns the fork in force at epoch: the latest scheduled fork whose activation epoch has come.
func (c *ChainConfig) ForkAtEpoch(epoch primitives.Epoch) Fork {
	for fork := LatestFork; fork > Phase0; fork-- {
		if c.scheduled(fork) && epoch >= c.Forks[fork].Epoch {
			return fork
		}
	}
	return Phase0
}

// ForkVersion returns a fork's version. fork must be valid (Fork.Valid).
func (c *ChainConfig) ForkVersion(fork Fork) primitives.Version { return c.Forks[fork].Version }

// ForkEpoch returns a fork's activation epoch, FAR_FUTURE_EPOCH if it is not scheduled. fork must be valid.
func (c *ChainConfig) ForkEpoch(fork Fork) primitives.Epoch { return c.Forks[fork].Epoch }

// ComputeForkVersion is the spec's compute_fork_version: the fork version in force at epoch.
func (c *ChainConfig) ComputeForkVersion(epoch primitives.Epoch) primitives.Version {
	return c.Forks[c.ForkAtEpoch(epoch)].Version
}

// GetBlobParameters is the spec's get_blob_parameters: the latest BLOB_SCHEDULE entry at or before epoch, else
// Electra's limit from ELECTRA_FORK_EPOCH.
func (c *ChainConfig) GetBlobParameters(epoch primitives.Epoch) BlobParameters {
	for i := len(c.BlobSchedule) - 1; i >= 0; i-- {
		if entry := c.BlobSchedule[i]; epoch >= entry.Epoch {
			return BlobParameters(entry)
		}
	}
	return BlobParameters{Epoch: c.Forks[Electra].Epoch, MaxBlobsPerBlock: c.MaxBlobsPerBlockElectra}
}

// ComputeForkDigest is the spec's compute_fork_digest. From Fulu on, the digest also mixes in the blob parameters
// (EIP-7892), so that a blob-parameter-only fork changes the gossip topics; before Fulu it is phase0's digest, the
// first four bytes of the fork data root.
func (c *ChainConfig) ComputeForkDigest(genesisValidatorsRoot primitives.Root, epoch primitives.Epoch) primitives.ForkDigest {
	version := c.ComputeForkVersion(epoch)
	if c.ForkAtEpoch(epoch) < Fulu {
		return forkDigest(version, genesisValidatorsRoot, nil)
	}
	blobParameters := c.GetBlobParameters(epoch)
	return forkDigest(version, genesisValidatorsRoot, &blobParameters)
}

func forkDigest(version primitives.Version, genesisValidatorsRoot primitives.Root, blobParameters *BlobParameters) primitives.ForkDigest {
	base := ComputeForkDataRoot(version, genesisValidatorsRoot)
	if blobParameters != nil {
		var encoded [16]byte
		binary.LittleEndian.PutUint64(encoded[:8], uint64(blobParameters.Epoch))
		binary.LittleEndian.PutUint64(encoded[8:], blobParameters.MaxBlobsPerBlock)
		mask := sha256.Sum256(encoded[:])
		for i := range base {
			base[i] ^= mask[i]
		}
	}
	return primitives.ForkDigest(base[:4])
}

// NextForkEpoch returns the epoch of the first fork boundary after epoch, whether a regular fork or a blob-parameter
// -only one (a BLOB_SCHEDULE entry from Fulu on), or FAR_FUTURE_EPOCH if none is scheduled. It is the ENR's
// next_fork_epoch.
func (c *ChainConfig) NextForkEpoch(epoch primitives.Epoch) primitives.Epoch {
	next := primitives.FarFutureEpoch
	for fork := Altair; fork <= LatestFork; fork++ {
		if c.scheduled(fork) && c.Forks[fork].Epoch > epoch {
			next = min(next, c.Forks[fork].Epoch)
			break
		}
	}
	for _, entry := range c.BlobSchedule {
		if entry.Epoch > epoch && c.scheduled(Fulu) && entry.Epoch >= c.Forks[Fulu].Epoch {
			next = min(next, entry.Epoch)
			break
		}
	}
	return next
}

// NextForkVersion returns the version of the next regular fork after epoch, or the current version if none is
// scheduled (blob-parameter-only forks keep the version). It is the ENR's next_fork_version.
func (c *ChainConfig) NextForkVersion(epoch primitives.Epoch) primitives.Version {
	for fork := c.ForkAtEpoch(epoch) + 1; fork <= LatestFork; fork++ {
		if c.scheduled(fork) {
			return c.Forks[fork].Version
		}
	}
	return c.ComputeForkVersion(epoch)
}

// NextForkDigest returns the fork digest at NextForkEpoch, or the zero digest if no fork is scheduled. It is the
// ENR's nfd entry.
func (c *ChainConfig) NextForkDigest(genesisValidatorsRoot primitives.Root, epoch primitives.Epoch) primitives.ForkDigest {
	next := c.NextForkEpoch(epoch)
	if next == primitives.FarFutureEpoch {
		return primitives.ForkDigest{}
	}
	return c.ComputeForkDigest(genesisValidatorsRoot, next)
}

// SlotComponentDuration is the spec's get_slot_component_duration_ms as a duration: basisPoints of a slot
// (ATTESTATION_DUE_BPS, AGGREGATE_DUE_BPS...), rounded down to the millisecond as the spec does.
func (c *ChainConfig) SlotComponentDuration(basisPoints uint64) time.Duration {
	slotMillis := uint64(c.SlotDuration / time.Millisecond)
	return time.Duration(basisPoints*slotMillis/BasisPoints) * time.Millisecond
}
