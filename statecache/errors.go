package statecache

import "errors"

var (
	// ErrNilState means HashTreeRoot was given no state.
	ErrNilState = errors.New("nil state")
	// ErrListTooLong means a list of the state holds more elements than its SSZ limit: the state breaks its type
	// and has no hash_tree_root.
	ErrListTooLong = errors.New("list longer than its limit")
	// ErrNilElement means a list of containers in the state holds a nil element: the state breaks its type and has
	// no hash_tree_root.
	ErrNilElement = errors.New("nil list element")
	// ErrWorkerPanic means a hashing goroutine panicked: a bug in this package. The cache is dropped and rebuilt on
	// the next call.
	ErrWorkerPanic = errors.New("tree-hash worker panicked")
)
