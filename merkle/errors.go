package merkle

import "errors"

// ErrInvalidGeneralizedIndex is returned for the generalized index 0, which names no node.
var ErrInvalidGeneralizedIndex = errors.New("invalid generalized index")

// ErrGeneralizedIndexOverflow is returned when a path leads deeper than 63 levels, beyond what a GeneralizedIndex
// holds.
var ErrGeneralizedIndexOverflow = errors.New("generalized index overflows 64 bits")

// ErrInvalidPath is returned by GetGeneralizedIndex for a path that does not fit the type: an unknown field, an
// element index out of range, __len__ of a type without a length, or a step into a basic value.
var ErrInvalidPath = errors.New("invalid SSZ path")

// ErrNoSuchNode is returned when a generalized index leads below a leaf chunk of the object's hash tree (into a basic
// value, a packed chunk, a list length or a zero chunk of padding), where the tree has no node.
var ErrNoSuchNode = errors.New("no node at generalized index")

// ErrInvalidProof is returned by the root calculations when the proof does not match the indices it claims to
// prove: a wrong number of nodes, or leaves and indices of different lengths.
var ErrInvalidProof = errors.New("malformed Merkle proof")

// ErrInvalidObject is returned when an object does not fit its SSZ type, so that it has no hash tree: a list longer
// than its limit, a bitlist without its length bit.
var ErrInvalidObject = errors.New("object does not fit its SSZ type")
