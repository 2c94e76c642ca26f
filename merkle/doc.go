// Package merkle implements the Merkle proof formats of the SSZ spec (ssz/merkle-proofs.md): generalized indices,
// single-node proofs and multiproofs, under the spec's names (GetGeneralizedIndex, ConcatGeneralizedIndices,
// GetHelperIndices, CalculateMultiMerkleRoot, VerifyMerkleMultiproof, the beacon chain's IsValidMerkleBranch, the
// light client's IsValidNormalizedMerkleBranch), and computes proofs from objects (ComputeMerkleProof,
// ComputeMerkleMultiproof): the base for light-client data, blob and data column sidecars, and a state-proof API.
//
// # How an object exposes its hash tree
//
// karalabe/ssz computes a container's hash_tree_root from its DefineSSZ, but keeps no node below the root. A proof
// needs the roots of the siblings along a path, so every container also has a DefineTree method that lists the same
// fields in the same order, calling merkle.DefineX(f, "spec_name", args...) wherever DefineSSZ calls
// ssz.DefineX(c, args...) (or sszkit.DefineX). Those methods are generated from DefineSSZ by merkle/treegen, so
// there is one hand-written schema, not two; the generator refuses a DefineSSZ it cannot mirror, and the tests of
// package types fail while the generated file is stale. The same DefineTree serves two purposes:
//
//   - TypeOf runs it on a zero value to describe the type (the spec's SSZType, as get_generalized_index sees it), so
//     GetGeneralizedIndex(TypeOf(state), Field("finalized_checkpoint"), Field("root")) = 169.
//   - A Tree runs it on the object to walk its hash tree lazily, one level at a time, from the root down the paths a
//     proof needs.
//
// We chose this over the alternatives because karalabe/ssz's Codec cannot be observed from outside (no hook sees the
// fields as they are hashed), and reflection over the Go structs cannot see list limits, which live only in
// DefineSSZ's arguments. Hand-written per-container field lists would be a second schema to keep in step by hand.
//
// # Cost
//
// A Tree hashes only what a proof needs, each subtree once: the roots of the siblings along the proven paths (a
// whole container field below a sibling is hashed by karalabe/ssz; a range of a large list, by this package on all
// cores in blocks of 2**16 chunks), plus the path itself when Root or Node is asked. A proof of a BeaconState field
// therefore costs about one hash of the state, never one per field or per level; further proofs from the same Tree
// reuse every node already hashed, so the light client's three state branches cost little more than one. Caching
// roots across states (a tree-hash cache beside the state) is a separate concern that can back a Tree later.
package merkle
