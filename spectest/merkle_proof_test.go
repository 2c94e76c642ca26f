package spectest

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/salamander-client/salamander/merkle"
)

func init() {
	registry.Handle("merkle_proof", "single_merkle_proof", runSingleMerkleProof)
	registry.Handle("light_client", "single_merkle_proof", runSingleMerkleProof)
}

// proofObject is what a single_merkle_proof case needs of its object: decoding, the root, and the hash tree.
type proofObject interface {
	sszStaticObject
	merkle.Container
}

// newProofObject returns a new object of the spec container named by a case's suite.
func newProofObject(t *testing.T, name string) proofObject {
	t.Helper()
	newObject, ok := sszStaticTypes[name]
	if !ok {
		t.Fatalf("no Go type for container %s", name)
	}
	obj, ok := newObject().(proofObject)
	if !ok {
		t.Fatalf("%s has no DefineTree: run `go generate ./types`", name)
	}
	return obj
}

// runSingleMerkleProof runs a single_merkle_proof case (tests/formats/light_client/single_merkle_proof.md): the
// given branch must prove leaf at leaf_index against the object's root (is_valid_merkle_branch), and our own leaf
// and branch at leaf_index must be exactly the given ones.
func runSingleMerkleProof(t *testing.T, c Case) {
	obj := newProofObject(t, c.Suite)
	readObject(t, c, "object", obj)
	var proof struct {
		Leaf      string   `yaml:"leaf"`
		LeafIndex uint64   `yaml:"leaf_index"`
		Branch    []string `yaml:"branch"`
	}
	if err := c.ReadYAML("proof", &proof); err != nil {
		t.Fatalf("read proof: %v", err)
	}
	leaf, err := parseRoot(proof.Leaf)
	if err != nil {
		t.Fatalf("proof.yaml leaf: %v", err)
	}
	branch := make([][32]byte, len(proof.Branch))
	for i, node := range proof.Branch {
		if branch[i], err = parseRoot(node); err != nil {
			t.Fatalf("proof.yaml branch[%d]: %v", i, err)
		}
	}
	index := merkle.GeneralizedIndex(proof.LeafIndex)
	if index == 0 {
		t.Fatal("proof.yaml leaf_index is 0")
	}

	root := obj.HashTreeRoot()
	depth := uint64(merkle.GetGeneralizedIndexLength(index))
	if !merkle.IsValidMerkleBranch(leaf, branch, depth, merkle.GetSubtreeIndex(index), root) {
		t.Errorf("the given branch does not prove leaf %x at %d against root %x", leaf, index, root)
	}

	tree := merkle.NewTree(obj)
	ours, err := merkle.ComputeMerkleProof(tree, index)
	if err != nil {
		t.Fatalf("compute proof of %d: %v", index, err)
	}
	if len(ours) != len(branch) {
		t.Fatalf("our branch has %d nodes, the given one %d", len(ours), len(branch))
	}
	for i := range branch {
		if ours[i] != branch[i] {
			t.Errorf("branch[%d]: have %x, want %x", i, ours[i], branch[i])
		}
	}
	if ourLeaf, err := tree.Node(index); err != nil || ourLeaf != leaf {
		t.Errorf("leaf: have %x (%v), want %x", ourLeaf, err, leaf)
	}
	if ourRoot := tree.Root(); ourRoot != root {
		t.Errorf("root from the tree: have %x, want %x", ourRoot, root)
	}
}

// TestTreesOfStaticVectors proves, for every ssz_static object of this build's preset, every field of every
// container down the object, the first and last element and the length of every list, and the first and last
// element of every vector, one by one and all in one multiproof, against the root in roots.yaml. It checks the
// generated DefineTree of every container against the spec's own objects and roots. (The shared mainnet vectors
// hold no ssz_static suite yet; TestVectorCounts makes sure every case MANIFEST lists is found.)
func TestTreesOfStaticVectors(t *testing.T) {
	for _, c := range suite.cases {
		if c.Runner != "ssz_static" {
			continue
		}
		if _, skipped := suite.skips.Match(c); skipped {
			continue
		}
		t.Run(c.ID(), func(t *testing.T) { proveStaticCase(t, c) })
	}
}

func proveStaticCase(t *testing.T, c Case) {
	obj := newProofObject(t, c.Handler)
	readObject(t, c, "serialized", obj)
	var roots struct {
		Root string `yaml:"root"`
	}
	if err := c.ReadYAML("roots", &roots); err != nil {
		t.Fatalf("read roots: %v", err)
	}
	root, err := parseRoot(roots.Root)
	if err != nil {
		t.Fatalf("roots.yaml: %v", err)
	}

	tree := merkle.NewTree(obj)
	indices := slices.Compact(slices.Sorted(slices.Values(provableIndices(t, tree, merkle.TypeOf(obj), 1))))
	leaves := make([][32]byte, len(indices))
	for i, index := range indices {
		if leaves[i], err = tree.Node(index); err != nil {
			t.Fatalf("node %d: %v", index, err)
		}
		branch, err := merkle.ComputeMerkleProof(tree, index)
		if err != nil {
			t.Fatalf("prove %d: %v", index, err)
		}
		if !merkle.VerifyMerkleProof(leaves[i], branch, index, root) {
			t.Fatalf("the proof of node %d does not verify against %x", index, root)
		}
	}
	if got := tree.Root(); got != root {
		t.Fatalf("root from the tree %x, want %x", got, root)
	}
	proof, err := merkle.ComputeMerkleMultiproof(merkle.NewTree(obj), indices)
	if err != nil {
		t.Fatalf("multiproof: %v", err)
	}
	if !merkle.VerifyMerkleMultiproof(leaves, proof, indices, root) {
		t.Fatalf("the multiproof of %d nodes does not verify", len(indices))
	}
}

// provableIndices returns index, where tree holds a value of type typ, and the indices of the parts of that value a
// proof reaches: its fields, the first and last elements of its vectors and lists (of lists as long as the tree
// says they are), and the lengths of its lists, recursively.
func provableIndices(t *testing.T, tree *merkle.Tree, typ *merkle.Type, index merkle.GeneralizedIndex) []merkle.GeneralizedIndex {
	t.Helper()
	out := []merkle.GeneralizedIndex{index}
	// step adds the part of the value at elem, and that part's own parts when it has a type of its own.
	step := func(elem merkle.PathElement, elemType *merkle.Type) merkle.GeneralizedIndex {
		rel, err := merkle.GetGeneralizedIndex(typ, elem)
		if err != nil {
			t.Fatalf("%s at %d: %v", typ, index, err)
		}
		g, err := merkle.ConcatGeneralizedIndices(index, rel)
		if err != nil {
			t.Fatalf("%s at %d: %v", typ, index, err)
		}
		if elemType == nil {
			out = append(out, g)
		} else {
			out = append(out, provableIndices(t, tree, elemType, g)...)
		}
		return g
	}
	ends := func(n uint64, elem *merkle.Type) {
		for _, i := range slices.Compact([]uint64{0, max(n, 1) - 1}) {
			if i < n {
				if elem != nil && elem.Kind == merkle.KindBasic {
					elem = nil // a chunk of packed values
				}
				step(merkle.Index(i), elem)
			}
		}
	}
	switch typ.Kind {
	case merkle.KindContainer:
		for i, f := range typ.Fields {
			step(merkle.Index(uint64(i)), f.Type)
		}
	case merkle.KindVector, merkle.KindBitvector:
		ends(typ.Length, typ.Elem)
	case merkle.KindList, merkle.KindBitlist:
		lengthNode, err := tree.Node(step(merkle.Len, nil))
		if err != nil {
			t.Fatalf("length of %s at %d: %v", typ, index, err)
		}
		ends(binary.LittleEndian.Uint64(lengthNode[:8]), typ.Elem)
	}
	return out
}
