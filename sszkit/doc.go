// Package sszkit extends github.com/karalabe/ssz with the SSZ shapes its generic helpers cannot express: vectors,
// bitvectors and byte vectors of any length (the library only accepts a few hard-coded array lengths), vectors of
// uint8/16/32/128/256 and bool, lists of uint16/uint32, uint128 scalars, EIP-7916 progressive lists and bitlists, and
// a correctly bounded bitlist. Every helper is used inside a type's DefineSSZ exactly like the library's own Define*
// functions.
//
// Usable now. Quick reference for type authors (v is a Go array's slice, arr[:], so decoding fills it in place):
//
//	sszkit.DefineUint64Vector(c, s.Slashings[:])        // Vector[uint64, len]  (any ~uint64 element, any length)
//	sszkit.DefineBitvector(c, s.SyncBits[:], 512)       // Bitvector[512] in a [64]byte; decode rejects set padding bits
//	sszkit.DefineByteVector(c, s.Blob[:])               // ByteVector[len] (e.g. a 131072-byte blob)
//	sszkit.DefineBitlistOffset(c, &a.AggregationBits, max) // Bitlist[max]: use these two, never
//	sszkit.DefineBitlistContent(c, &a.AggregationBits, max) // ssz.DefineSliceOfBits* (see below)
//	ssz.DefineUnsafeArrayOfStaticBytes(c, s.Branch[:])  // Vector[Bytes32, len]: the library already handles any
//	                                                    // count of [4|8|20|31|32|48|64|96|256]byte, so sszkit has no
//	                                                    // DefineRootVector.
//
// Bitlists: karalabe/ssz v0.3.0's DecodeSliceOfBitsContent miscomputes the decoded length and accepts a Bitlist[N]
// up to 7 bits longer than N (a 131073-bit attestation aggregation_bits, a 9-bit Bitlist[8]). DefineBitlistContent
// rejects them; its offset half is the library's.
//
// Shapes that need no helper:
//   - A vector of containers, Vector[C, N]: serializes and hashes exactly like a container with N fields of type C,
//     so declare an array type with SizeSSZ and a DefineSSZ that defines each element (static elements with
//     DefineStaticObject; dynamic ones with DefineDynamicObjectOffset for each, then DefineDynamicObjectContent).
//   - A list of byte vectors of a length the library lacks (List[Cell, N], Cell = ByteVector[2048]): make the element
//     a StaticObject whose DefineSSZ calls DefineByteVector, and use ssz.DefineSliceOfStaticObjects*.
//   - A field whose root the library cannot compute: compute it (Merkleize, MerkleizeProgressive, MixInLength, Pack)
//     and hand it over with HashRoot from a DefineHasher hook.
//
// Why the helpers look the way they do: karalabe/ssz exports no way to set a decoding error from a hook, so each check
// on input is delegated to one of the library's own checking primitives (DecodeBool rejects bytes other than 0/1,
// DecodeArrayOfBits rejects set padding bits, the slice-of-static-objects decoder rejects lengths that are not a
// multiple of the element size or exceed the limit). The one check no primitive makes (the bitlist length) forces a
// read past the end of the input instead, so decode from a stream only through a reader limited to the object's size
// (io.LimitReader). Hashing either feeds the library's hasher the packed bytes (the root of Vector[uintN, K],
// Vector[bool, K] and Bitvector[K] equals the root of a ByteVector of the same serialized bytes) or, for list and
// progressive shapes whose length mix-in the library cannot express, computes the root here and hands it over with
// HashRoot.
package sszkit
