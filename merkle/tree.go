package merkle

import (
	"fmt"
	"sync"

	"github.com/salamander-client/salamander/sszkit"
)

// Tree is the hash tree of one object, addressed by generalized index. It is built lazily: a node is hashed only
// when a proof needs it, and every node it hashes is remembered, so several proofs from one Tree (the light client's
// finality and sync committee branches from one state, say) hash each subtree at most once.
//
// The object must not change while its Tree is in use. A Tree is safe for concurrent use.
type Tree struct {
	mu    sync.Mutex
	top   value
	nodes map[GeneralizedIndex][32]byte
}

// NewTree returns the hash tree of obj. Nothing is hashed yet.
func NewTree(obj Container) *Tree {
	return &Tree{top: &containerValue{obj: obj}, nodes: make(map[GeneralizedIndex][32]byte)}
}

// Root returns the object's hash_tree_root. After a proof it costs only the hashes along the proven paths.
func (t *Tree) Root() [32]byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rootAt(1, position{val: t.top})
}

// Node returns the root of the node at index: a field's or element's hash_tree_root, a chunk, a list's length chunk,
// or an inner node of some data tree.
func (t *Tree) Node(index GeneralizedIndex) ([32]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.node(index)
}

func (t *Tree) node(index GeneralizedIndex) ([32]byte, error) {
	if root, ok := t.nodes[index]; ok {
		return root, nil
	}
	p, err := t.locate(index)
	if err != nil {
		return [32]byte{}, err
	}
	return t.rootAt(index, p), nil
}

// ComputeMerkleProof is the spec's compute_merkle_proof: the Merkle branch of the node at index in tree's object,
// bottom first, which with the node's root (tree.Node(index)) proves it against tree.Root().
func ComputeMerkleProof(tree *Tree, index GeneralizedIndex) ([][32]byte, error) {
	return ComputeMerkleMultiproof(tree, []GeneralizedIndex{index})
}

// ComputeMerkleMultiproof returns the multiproof of the nodes at indices in tree's object: the nodes at
// GetHelperIndices(indices), in that order, as VerifyMerkleMultiproof takes them. Each helper node is hashed once.
func ComputeMerkleMultiproof(tree *Tree, indices []GeneralizedIndex) ([][32]byte, error) {
	tree.mu.Lock()
	defer tree.mu.Unlock()

	if len(indices) == 0 {
		return nil, fmt.Errorf("compute Merkle proof: %w: no indices", ErrInvalidProof)
	}
	for _, index := range indices {
		if _, err := tree.locate(index); err != nil {
			return nil, fmt.Errorf("compute Merkle proof: %w", err)
		}
	}
	helpers := GetHelperIndices(indices)
	proof := make([][32]byte, len(helpers))
	for i, h := range helpers {
		root, err := tree.node(h)
		if err != nil {
			// The sibling of an existing node always exists; this is an object that breaks its type.
			return nil, fmt.Errorf("compute Merkle proof: %w", err)
		}
		proof[i] = root
	}
	return proof, nil
}

// position is a node of the hash tree as the walk down from the root finds it: either the root of a value, or a
// node of a value's data tree (height levels above its chunks, offset-th of its level).
type position struct {
	val    value
	layer  *chunkLayer
	height int
	offset uint64
}

// children returns the two children of the node at p. A value's root with a length mixed in has its data tree and
// its length below it; otherwise a value's root is its data tree's root, and a data tree's chunk is the root of its
// element, so the walk passes on to them without moving.
func children(p position) (left, right position, err error) {
	for {
		if p.val != nil {
			l, err := p.val.layer()
			if err != nil {
				return position{}, position{}, err
			}
			if l == nil {
				return position{}, position{}, fmt.Errorf("%w: a %s is a single chunk", ErrNoSuchNode, p.val.sszType())
			}
			if l.mixin {
				return position{layer: l, height: l.depth}, position{val: &chunkValue{typ: typeUint64, chunk: lengthChunk(l.length)}}, nil
			}
			p = position{layer: l, height: l.depth}
			continue
		}
		if p.height > 0 {
			return position{layer: p.layer, height: p.height - 1, offset: 2 * p.offset},
				position{layer: p.layer, height: p.height - 1, offset: 2*p.offset + 1}, nil
		}
		switch {
		case p.offset >= p.layer.count:
			return position{}, position{}, fmt.Errorf("%w: chunk %d is padding", ErrNoSuchNode, p.offset)
		case p.layer.elems == nil:
			return position{}, position{}, fmt.Errorf("%w: chunk %d holds packed basic values", ErrNoSuchNode, p.offset)
		}
		p = position{val: p.layer.elems.value(p.offset)}
	}
}

// locate walks from the root to the node at index.
func (t *Tree) locate(index GeneralizedIndex) (position, error) {
	if index == 0 {
		return position{}, ErrInvalidGeneralizedIndex
	}
	p := position{val: t.top}
	for bit := GetGeneralizedIndexLength(index) - 1; bit >= 0; bit-- {
		left, right, err := children(p)
		if err != nil {
			return position{}, fmt.Errorf("generalized index %d: below node %d: %w", index, index>>(bit+1), err)
		}
		p = left
		if GetGeneralizedIndexBit(index, bit) {
			p = right
		}
	}
	return p, nil
}

// rootAt returns the root of the node at index, found at p. A node with a remembered child is hashed from its
// children, which costs only the path down to the unknown parts; any other node is hashed from its content.
func (t *Tree) rootAt(index GeneralizedIndex, p position) [32]byte {
	if root, ok := t.nodes[index]; ok {
		return root
	}
	var root [32]byte
	if index < 1<<maxGeneralizedIndexLength && (t.known(2*index) || t.known(2*index+1)) {
		if left, right, err := children(p); err == nil {
			root = sszkit.HashPair(t.rootAt(2*index, left), t.rootAt(2*index+1, right))
			t.nodes[index] = root
			return root
		}
	}
	if p.val != nil {
		root = p.val.hashTreeRoot()
	} else {
		root = p.layer.subtreeRoot(p.offset<<p.height, p.height)
	}
	t.nodes[index] = root
	return root
}

func (t *Tree) known(index GeneralizedIndex) bool {
	_, ok := t.nodes[index]
	return ok
}
