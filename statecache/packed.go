package statecache

import (
	"bytes"
	"encoding/binary"
	"unsafe"
)

// Fields whose chunks are their own serialized values (vectors and lists of roots, packed uint64s, participation
// flags) need no shadow copy: the tree's leaf layer already holds the last values it hashed, so the new values are
// compared against the leaves, a page at a time where the values' memory is their serialization.

// hostLittleEndian reports whether the host stores integers little-endian, so that a []uint64 is laid out in
// memory exactly as its SSZ serialization.
var hostLittleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// chunkSource is the chunks a packed field's leaves must become: n of them, chunk(i) each, and, if raw is not nil,
// their serialization (the last chunk possibly short) for comparing whole pages of leaves at once.
type chunkSource struct {
	n     int
	raw   []byte
	chunk func(i int) [32]byte
}

// rootChunks are the chunks of a Vector or List of Root or Bytes32: the values themselves.
func rootChunks[T ~[32]byte](values []T) chunkSource {
	return chunkSource{
		n:     len(values),
		raw:   unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(values))), 32*len(values)),
		chunk: func(i int) [32]byte { return values[i] },
	}
}

// uint64Chunks are the packed chunks of a Vector or List of uint64.
func uint64Chunks[T ~uint64](values []T) chunkSource {
	var raw []byte
	if hostLittleEndian {
		raw = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(values))), 8*len(values))
	}
	return chunkSource{
		n:   (len(values) + 3) / 4,
		raw: raw,
		chunk: func(i int) (chunk [32]byte) {
			for k, v := range values[4*i : min(4*i+4, len(values))] {
				binary.LittleEndian.PutUint64(chunk[8*k:], uint64(v))
			}
			return chunk
		},
	}
}

// byteChunks are the packed chunks of a List of uint8 (participation flags).
func byteChunks[T ~uint8](values []T) chunkSource {
	// A ~uint8 slice is laid out as the bytes it serializes to.
	raw := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(values))), len(values))
	return chunkSource{
		n:   (len(raw) + 31) / 32,
		raw: raw,
		chunk: func(i int) (chunk [32]byte) {
			copy(chunk[:], raw[32*i:])
			return chunk
		},
	}
}

// planChunks prepares the update of t's leaves to src: a task that compares and writes the leaves, and a finish
// that rehashes the paths above those that changed.
func planChunks(t *merkleTree, src chunkSource) fieldPlan {
	sc := t.scratch()
	sc.setRanges(1)
	old := t.len()
	update := func(*workspace) error {
		sc.ranges[0] = diffChunks(t, src, sc.ranges[0][:0])
		return nil
	}
	finish := func(r *runner) error {
		return t.rehashWith(withBoundary(sc.ranges[0], old, src.n), r)
	}
	return fieldPlan{tasks: []task{update}, finish: finish}
}

// diffChunks resizes t to src.n leaves, makes leaf i src.chunk(i), and appends the indices of the leaves that
// changed to dirty.
func diffChunks(t *merkleTree, src chunkSource, dirty []int) []int {
	old := t.len()
	t.resize(src.n)
	leaves := &t.layers[0]
	common := min(old, src.n)
	for start := 0; start < common; start += leaves.pageLen() {
		end := min(start+leaves.pageLen(), common)
		if 32*end <= len(src.raw) && bytes.Equal(chunkBytes(leaves.page(start >> leaves.shift)[:end-start]), src.raw[32*start:32*end]) {
			continue
		}
		for i := start; i < end; i++ {
			if c := src.chunk(i); c != *t.leaf(i) {
				t.setLeaf(i, c)
				dirty = append(dirty, i)
			}
		}
	}
	for i := common; i < src.n; i++ {
		t.setLeaf(i, src.chunk(i))
		dirty = append(dirty, i)
	}
	return dirty
}

// chunkBytes views chunks as the bytes they hold.
func chunkBytes(chunks [][32]byte) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(chunks))), 32*len(chunks))
}

// withBoundary adds to dirty (sorted, every index below n) the last leaf of a tree that shrank from old to n
// leaves: the nodes on its path lost right-hand subtrees.
func withBoundary(dirty []int, old, n int) []int {
	if n < old && n > 0 && (len(dirty) == 0 || dirty[len(dirty)-1] != n-1) {
		dirty = append(dirty, n-1)
	}
	return dirty
}
