// Package helpers holds the consensus spec's helper functions as of Fulu (Electra rules underneath): math,
// predicates, misc, beacon-state accessors and mutators, each under the spec's name in Go case
// (get_beacon_committee is GetBeaconCommittee), plus the caches that make them fast and a deep copy of the state.
//
// # Calling convention
//
// Every function that reads network configuration or may use a cache takes an *Env first, then the state:
//
//	committee, err := helpers.GetBeaconCommittee(env, state, slot, index)
//	if err := helpers.InitiateValidatorExit(env, state, index); err != nil { ... }
//
// Pure functions of preset values (ComputeEpochAtSlot, ComputeShuffledIndex, ...) take no Env: the preset is fixed
// at build time (params.SlotsPerEpoch and friends, the same values as Env.Spec.Preset, which params.NewSpec checks),
// while network configuration (churn limits, ejection balance, fork versions) is read from Env.Spec.
//
// Where the spec would raise (a failed assert, an out-of-range list index, a uint64 overflow) these functions return
// an error wrapping one of the sentinels in errors.go and never panic; such an error makes the state transition
// invalid. Mutators change the state in place; callers that must keep the pre-state on failure work on CopyState.
//
// # Caches
//
// Env.Caches (nil means "compute everything from the state") holds what is costly to recompute and is shared by
// every state of a node: shufflings and active indices, total active balances, and the validator public keys
// (pubkey -> index and decompressed keys). Entries are keyed by epoch and the block root their inputs were decided
// by (the spec's shuffling dependency), so two branches never share an entry unless its inputs are the same; see
// caches.go. Caches are safe for concurrent use. Slices returned from the caches (committees, active indices) are
// shared and read-only: copy before modifying. An epoch's committees come from one whole-list shuffle computed on
// first use; PrepareCommittees computes it ahead, off the block import path.
//
// # Signatures
//
// Helpers that check signatures (IsValidIndexedAttestation) hand them to a SignatureVerifier: VerifyNow checks each
// at once, a BatchVerifier collects a block's signatures and checks them in one batch (BatchVerifier.Verify).
// Deposit signatures are different: an invalid one skips the deposit rather than failing the block, so
// IsValidDepositSignature always verifies immediately.
package helpers
