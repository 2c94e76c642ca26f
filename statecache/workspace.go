package statecache

import "github.com/prysmaticlabs/gohashtree"

// gatherBatch is how many scattered pairs are hashed per gohashtree call.
const gatherBatch = 256

// workspace is scratch memory for one goroutine updating a cache. It is never shared between caches or copies.
type workspace struct {
	dirty []int // indices of changed leaves or elements

	// Pairs of child nodes gathered from scattered places, hashed together, and written to their parents.
	target  *pagedVec[[32]byte]
	pairs   [][32]byte
	parents []int
	digests [][32]byte

	chunks [][32]byte // element hashing: the elements' leaves and their layers
}

// beginGather starts gathering pairs whose parents are nodes of target.
func (ws *workspace) beginGather(target *pagedVec[[32]byte]) {
	ws.target = target
	ws.pairs = ws.pairs[:0]
	ws.parents = ws.parents[:0]
}

// gather queues hash(left + right) for target's node at parent.
func (ws *workspace) gather(parent int, left, right *[32]byte) {
	ws.pairs = append(ws.pairs, *left, *right)
	ws.parents = append(ws.parents, parent)
	if len(ws.parents) == gatherBatch {
		ws.flushGather()
	}
}

// flushGather hashes the queued pairs and writes their parents.
func (ws *workspace) flushGather() {
	if len(ws.parents) == 0 {
		return
	}
	if cap(ws.digests) < gatherBatch {
		ws.digests = make([][32]byte, gatherBatch)
	}
	digests := ws.digests[:len(ws.parents)]
	gohashtree.HashChunks(digests, ws.pairs)
	for i, p := range ws.parents {
		*ws.target.mut(p) = digests[i]
	}
	ws.pairs = ws.pairs[:0]
	ws.parents = ws.parents[:0]
}

// chunkBuffer returns scratch space for n chunks.
func (ws *workspace) chunkBuffer(n int) [][32]byte {
	if cap(ws.chunks) < n {
		ws.chunks = make([][32]byte, n)
	}
	return ws.chunks[:n]
}

// scratch holds the changed indices of one field between the tasks that find them and the rehash that follows. It
// belongs to one cache and is never copied.
type scratch struct {
	ranges [][]int // per range of the field
	all    []int
}

// setRanges makes room for n ranges' indices, keeping the buffers it has.
func (sc *scratch) setRanges(n int) {
	for len(sc.ranges) < n {
		sc.ranges = append(sc.ranges, nil)
	}
	sc.ranges = sc.ranges[:n]
}

// merged returns the ranges' indices in order, in sc.all's buffer.
func (sc *scratch) merged() []int {
	all := sc.all[:0]
	for _, r := range sc.ranges {
		all = append(all, r...)
	}
	sc.all = all
	return all
}
