package params

import (
	"crypto/sha256"

	"github.com/salamander-client/salamander/primitives"
)

// ComputeForkDataRoot is the spec's compute_fork_data_root: hash_tree_root(ForkData(current_version,
// genesis_validators_root)). ForkData is two chunks, so its root is one SHA-256 of the version (zero-padded to 32
// bytes) followed by the root.
func ComputeForkDataRoot(currentVersion primitives.Version, genesisValidatorsRoot primitives.Root) primitives.Root {
	var chunks [64]byte
	copy(chunks[:4], currentVersion[:])
	copy(chunks[32:], genesisValidatorsRoot[:])
	return sha256.Sum256(chunks[:])
}

// ComputeDomain is the spec's compute_domain. The spec's defaults (GENESIS_FORK_VERSION, a zero root) are the
// caller's to pass: deposits use ComputeDomain(DomainDeposit, cfg.ForkVersion(Phase0), primitives.Root{}).
func ComputeDomain(domainType primitives.DomainType, forkVersion primitives.Version, genesisValidatorsRoot primitives.Root) primitives.Domain {
	forkDataRoot := ComputeForkDataRoot(forkVersion, genesisValidatorsRoot)
	var domain primitives.Domain
	copy(domain[:4], domainType[:])
	copy(domain[4:], forkDataRoot[:28])
	return domain
}

// ComputeSigningRoot is the spec's compute_signing_root, given the signed object's hash_tree_root:
// hash_tree_root(SigningData(object_root, domain)), one SHA-256 of the two chunks.
func ComputeSigningRoot(objectRoot primitives.Root, domain primitives.Domain) primitives.Root {
	var chunks [64]byte
	copy(chunks[:32], objectRoot[:])
	copy(chunks[32:], domain[:])
	return sha256.Sum256(chunks[:])
}
