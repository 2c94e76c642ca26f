package merkle

import (
	"runtime"
	"sync"

	"github.com/karalabe/ssz"

	"github.com/salamander-client/salamander/sszkit"
)

// value is one SSZ value inside an object's hash tree: the object itself, a field, an element, or a bare chunk (a
// list's length, a basic value). Values are built lazily while a Tree walks down a path; the parts of a value that
// cost memory or time (packed bytes, a container's fields) are computed on first use and kept.
type value interface {
	sszType() *Type
	// hashTreeRoot computes the value's hash_tree_root.
	hashTreeRoot() [32]byte
	// layer returns the value's data tree, or nil for a value that is a single chunk.
	layer() (*chunkLayer, error)
}

// chunkLayer is the bottom layer of a composite value's data tree: count chunks, padded with zero chunks to 2**depth
// leaves, plus the length mixed in beside it for lists and bitlists. Its chunks are either packed bytes (basic
// elements and bitfields) or the roots of composite elements.
type chunkLayer struct {
	depth  int
	count  uint64
	mixin  bool
	length uint64
	packed []byte   // packed basic values or bits; chunk i is packed[32i:32i+32], zero-padded
	elems  elements // composite elements; nil for a layer of packed bytes
}

// elements is the composite content of a chunk layer: element i's root is chunk i.
type elements interface {
	// root returns element i's hash_tree_root; it is called from several goroutines at once for large layers.
	root(i uint64) [32]byte
	// value returns element i, to descend into it.
	value(i uint64) value
}

// blockHeight is the height of the subtrees a large range is cut into, bounding the scratch memory of one
// merkleization to 2**blockHeight chunks (2 MiB) per worker.
const blockHeight = 16

// parallelThreshold is the number of composite elements above which their roots are computed by several goroutines.
const parallelThreshold = 1024

// subtreeRoot returns the root of the subtree of the data tree of the given height whose leftmost leaf is chunk
// start. Chunks at and beyond count are zero.
func (l *chunkLayer) subtreeRoot(start uint64, height int) [32]byte {
	if start >= l.count {
		return sszkit.ZeroHash(height)
	}
	n := l.count - start
	if height < 64 && n > 1<<height {
		n = 1 << height
	}
	if height <= blockHeight || n <= 1<<blockHeight {
		buf := make([][32]byte, n, n+1)
		l.fill(start, buf, true)
		return merkleizeInPlace(buf, 0, height)
	}
	// Cut the range into blocks of 2**blockHeight leaves, root each block on its own worker, then merkleize the
	// block roots from blockHeight up.
	const blockSize = 1 << blockHeight
	blocks := make([][32]byte, (n+blockSize-1)/blockSize, (n+blockSize-1)/blockSize+1)
	parallelFor(uint64(len(blocks)), func(from, to uint64) {
		buf := make([][32]byte, blockSize, blockSize+1)
		for b := from; b < to; b++ {
			first := start + b*blockSize
			chunks := buf[:min(blockSize, start+n-first)]
			l.fill(first, chunks, false)
			blocks[b] = merkleizeInPlace(chunks, 0, blockHeight)
		}
	})
	return merkleizeInPlace(blocks, blockHeight, height)
}

// root returns the root of the whole value the layer belongs to: its data tree, with the length mixed in.
func (l *chunkLayer) root() [32]byte {
	root := l.subtreeRoot(0, l.depth)
	if l.mixin {
		root = sszkit.HashPair(root, lengthChunk(l.length))
	}
	return root
}

// fill writes chunks [start, start+len(out)) into out; all of them are below count.
func (l *chunkLayer) fill(start uint64, out [][32]byte, parallel bool) {
	if l.elems == nil {
		for i := range out {
			from := (start + uint64(i)) * 32
			out[i] = [32]byte{}
			copy(out[i][:], l.packed[from:min(from+32, uint64(len(l.packed)))])
		}
		return
	}
	if !parallel || len(out) < parallelThreshold {
		for i := range out {
			out[i] = l.elems.root(start + uint64(i))
		}
		return
	}
	parallelFor(uint64(len(out)), func(from, to uint64) {
		for i := from; i < to; i++ {
			out[i] = l.elems.root(start + i)
		}
	})
}

// parallelFor runs fn over [0, n) split into contiguous ranges, one per processor, and waits for all of them. A
// panic in fn is raised again on the caller's goroutine: on a worker it would kill the process, while the caller
// (an actor's Receive, or a goroutine started with actors.Go) recovers it.
func parallelFor(n uint64, fn func(from, to uint64)) {
	workers := min(uint64(runtime.GOMAXPROCS(0)), n)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var (
		wg        sync.WaitGroup
		panicOnce sync.Once
		panicked  any
	)
	step := (n + workers - 1) / workers
	for from := uint64(0); from < n; from += step {
		wg.Add(1)
		go func(from, to uint64) {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					panicOnce.Do(func() { panicked = p })
				}
			}()
			fn(from, to)
		}(from, min(from+step, n))
	}
	wg.Wait()
	if panicked != nil {
		panic(panicked)
	}
}

// chunkValue is a single chunk: a basic value packed into 32 bytes, or a list's length.
type chunkValue struct {
	typ   *Type
	chunk [32]byte
}

func (v *chunkValue) sszType() *Type              { return v.typ }
func (v *chunkValue) hashTreeRoot() [32]byte      { return v.chunk }
func (v *chunkValue) layer() (*chunkLayer, error) { return nil, nil }

// packedValue is a value whose chunks are packed bytes: a byte or uintN vector or list, a bitvector or a bitlist.
// pack serializes the content on first use; for byte arrays it returns the field's own memory.
type packedValue struct {
	typ    *Type
	length uint64 // elements (bits for a bitlist) of a list, mixed into the root
	pack   func() []byte
	cached *chunkLayer
}

func (v *packedValue) sszType() *Type { return v.typ }

func (v *packedValue) hashTreeRoot() [32]byte {
	l, _ := v.layer()
	return l.root()
}

func (v *packedValue) layer() (*chunkLayer, error) {
	if v.cached == nil {
		packed := v.pack()
		v.cached = &chunkLayer{
			depth:  v.typ.depth(),
			count:  (uint64(len(packed)) + 31) / 32,
			mixin:  v.typ.hasLength(),
			length: v.length,
			packed: packed,
		}
	}
	return v.cached, nil
}

// compositeValue is a vector or list of composite elements (containers, byte vectors, byte lists).
type compositeValue struct {
	typ    *Type
	length uint64
	elems  elements
	cached *chunkLayer
}

func (v *compositeValue) sszType() *Type { return v.typ }

func (v *compositeValue) hashTreeRoot() [32]byte {
	l, _ := v.layer()
	return l.root()
}

func (v *compositeValue) layer() (*chunkLayer, error) {
	if v.cached == nil {
		v.cached = &chunkLayer{
			depth:  v.typ.depth(),
			count:  v.length,
			mixin:  v.typ.hasLength(),
			length: v.length,
			elems:  v.elems,
		}
	}
	return v.cached, nil
}

// containerValue is a container. Its root comes from karalabe/ssz, which hashes the container as its DefineSSZ says;
// its fields, needed only to descend into it, come from its DefineTree.
type containerValue struct {
	obj    Container
	fields *Fields
	cached *chunkLayer
}

func (v *containerValue) sszType() *Type { return typeOf(v.obj) }

func (v *containerValue) hashTreeRoot() [32]byte { return ssz.HashConcurrent(v.obj) }

func (v *containerValue) layer() (*chunkLayer, error) {
	if v.cached != nil {
		return v.cached, nil
	}
	if v.fields == nil {
		v.fields = defineFields(v.obj)
	}
	if v.fields.err != nil {
		return nil, v.fields.err
	}
	v.cached = &chunkLayer{
		depth: sszkit.TreeDepth(uint64(len(v.fields.values))),
		count: uint64(len(v.fields.values)),
		elems: v.fields,
	}
	return v.cached, nil
}
