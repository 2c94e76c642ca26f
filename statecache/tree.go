package statecache

import (
	"github.com/prysmaticlabs/gohashtree"

	"github.com/salamander-client/salamander/sszkit"
)

// nodePageShift sizes the pages of tree layers: 64 nodes, 2 KiB. Smaller pages make a copied cache clone less when
// it diverges (a block touches a few hundred scattered leaves); larger ones make copies' page tables shorter.
const nodePageShift = 6

// merkleTree is the persistent hash tree of one list or vector: its chunks (the leaves) and every layer above them
// up to a single node, each layer a pagedVec that copies share until they write. The levels above that node, up to
// the depth the type's limit gives, are zero subtrees folded in by root.
//
// A caller changes leaves, then calls rehash with the indices it changed; rehash recomputes exactly the nodes on
// their paths, a layer at a time, so that gohashtree hashes many pairs per call.
type merkleTree struct {
	depth  int                  // depth of the type's full tree: ceil(log2(limit in chunks))
	layers []pagedVec[[32]byte] // layers[0] holds the leaves; layers[h] has ceil(len / 2**h) nodes
	sc     *scratch             // this tree's alone: share leaves it behind
}

// newMerkleTree returns an empty tree for a type of limitChunks chunks (a vector's length in chunks).
func newMerkleTree(limitChunks uint64) merkleTree {
	return emptyTree(sszkit.TreeDepth(limitChunks))
}

// emptyTree returns an empty tree whose full tree has the given depth.
func emptyTree(depth int) merkleTree {
	return merkleTree{depth: depth, layers: []pagedVec[[32]byte]{newPagedVec[[32]byte](nodePageShift)}}
}

// scratch returns the tree's buffers of changed indices.
func (t *merkleTree) scratch() *scratch {
	if t.sc == nil {
		t.sc = new(scratch)
	}
	return t.sc
}

// len returns the number of leaves.
func (t *merkleTree) len() int { return t.layers[0].len() }

// leaf returns leaf i for reading.
func (t *merkleTree) leaf(i int) *[32]byte { return t.layers[0].at(i) }

// setLeaf writes leaf i; the caller reports i to rehash.
func (t *merkleTree) setLeaf(i int, chunk [32]byte) { *t.layers[0].mut(i) = chunk }

// resize sets the number of leaves to n. New leaves are unspecified until written. The caller reports every new
// leaf to rehash, and, when the tree shrank, its new last leaf, whose path lost right-hand subtrees.
func (t *merkleTree) resize(n int) {
	height := sszkit.TreeDepth(uint64(n))
	for len(t.layers) < height+1 {
		t.layers = append(t.layers, newPagedVec[[32]byte](nodePageShift))
	}
	for len(t.layers) > height+1 {
		t.layers[len(t.layers)-1] = pagedVec[[32]byte]{}
		t.layers = t.layers[:len(t.layers)-1]
	}
	for h := range t.layers {
		t.layers[h].resize(layerLen(n, h))
	}
}

// layerLen returns the number of nodes at height h of a tree with n leaves.
func layerLen(n, h int) int {
	return (n + 1<<h - 1) >> h
}

// root returns the root of the type's full tree.
func (t *merkleTree) root() [32]byte {
	if t.len() == 0 {
		return sszkit.ZeroHash(t.depth)
	}
	top := len(t.layers) - 1
	node := *t.layers[top].at(0)
	for d := top; d < t.depth; d++ {
		node = sszkit.HashPair(node, sszkit.ZeroHash(d))
	}
	return node
}

// share returns a tree with the same nodes as t, sharing every page (see pagedVec.share).
func (t *merkleTree) share() merkleTree {
	c := merkleTree{depth: t.depth, layers: make([]pagedVec[[32]byte], len(t.layers))}
	for h := range t.layers {
		c.layers[h] = t.layers[h].share()
	}
	return c
}

// bytes returns the memory held by the tree's layers.
func (t *merkleTree) bytes() uint64 {
	var total uint64
	for h := range t.layers {
		total += t.layers[h].bytes()
	}
	return total
}

// rehash recomputes the nodes above the leaves in dirty, which must be sorted ascending without duplicates. It uses
// dirty as scratch space.
func (t *merkleTree) rehash(dirty []int, ws *workspace) {
	for h := 0; h+1 < len(t.layers) && len(dirty) > 0; h++ {
		dirty = parentsOf(dirty)
		t.hashParents(h, dirty, ws)
	}
}

// parentsOf replaces sorted node indices by their parents' indices, sorted without duplicates, in place.
func parentsOf(nodes []int) []int {
	out := nodes[:0]
	for _, i := range nodes {
		p := i >> 1
		if len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
	}
	return out
}

// directRun is the shortest run of consecutive parents hashed straight from the child page into the parent page;
// shorter runs are gathered with others into one gohashtree call, which hashes several pairs at once.
const directRun = 8

// hashParents recomputes the given nodes at height h+1 (sorted, no duplicates) from their children at height h.
func (t *merkleTree) hashParents(h int, parents []int, ws *workspace) {
	child, parent := &t.layers[h], &t.layers[h+1]
	childLen := child.len()
	shift := child.shift // parent pages have the same size, so a child page's parents lie in one parent page
	ws.beginGather(parent)
	for i := 0; i < len(parents); {
		p := parents[i]
		// The run of consecutive parents from p whose children lie in p's child page.
		pageEnd := (2*p>>shift + 1) << shift / 2
		j := i + 1
		for j < len(parents) && parents[j] == parents[j-1]+1 && parents[j] < pageEnd {
			j++
		}
		run := j - i
		if 2*parents[j-1]+1 >= childLen {
			// The tree's last parent may lack its right child: that child is a zero subtree.
			last, zero := parents[j-1], sszkit.ZeroHash(h)
			ws.gather(last, child.at(2*last), &zero)
			run--
		}
		if run >= directRun {
			mask := 1<<shift - 1
			src := child.page(2 * p >> shift)[2*p&mask:]
			dst := parent.writablePage(p >> shift)[p&mask:]
			gohashtree.HashChunks(dst[:run], src[:2*run])
		} else {
			for q := p; q < p+run; q++ {
				ws.gather(q, child.at(2*q), child.at(2*q+1))
			}
		}
		i = j
	}
	ws.flushGather()
}

// rehashWith is rehash, hashing the layers where many nodes changed (a first build, an epoch's balances) on all of
// r's goroutines.
func (t *merkleTree) rehashWith(dirty []int, r *runner) error {
	for h := 0; h+1 < len(t.layers) && len(dirty) > 0; h++ {
		dirty = parentsOf(dirty)
		if !r.parallel() || len(dirty) < r.layerMin {
			t.hashParents(h, dirty, r.main())
			continue
		}
		// Parents split at multiples of a bitset word's nodes have their children split at such multiples too.
		segments := splitSorted(dirty, alignment(nodePageShift), 4*len(r.workspaces))
		tasks := make([]task, len(segments))
		for i, segment := range segments {
			tasks[i] = func(ws *workspace) error {
				t.hashParents(h, segment, ws)
				return nil
			}
		}
		if err := r.run(tasks); err != nil {
			return err
		}
	}
	return nil
}

// splitSorted splits sorted indices into about parts segments, cutting only between indices in different multiples
// of unit.
func splitSorted(indices []int, unit, parts int) [][]int {
	target := max(len(indices)/parts, 1)
	var out [][]int
	for len(indices) > 0 {
		cut := min(target, len(indices))
		for cut < len(indices) && indices[cut]/unit == indices[cut-1]/unit {
			cut++
		}
		out = append(out, indices[:cut])
		indices = indices[cut:]
	}
	return out
}
