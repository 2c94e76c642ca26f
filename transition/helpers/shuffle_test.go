package helpers_test

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
)

func seedOf(i int) primitives.Bytes32 {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(i))
	return sha256.Sum256(b[:])
}

// The whole-list shuffle must put at every position the index compute_shuffled_index sends there, for any size
// (around the 256-position hash blocks especially) and seed.
func TestShuffleListMatchesComputeShuffledIndex(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 100, 255, 256, 257, 511, 512, 513, 1000, 2049, 4097} {
		for s := range 5 {
			seed := seedOf(n*10 + s)
			input := make([]primitives.ValidatorIndex, n)
			for i := range input {
				input[i] = primitives.ValidatorIndex(3*i + 11) // not the identity, to catch index/value mix-ups
			}
			shuffled := helpers.ShuffleList(input, seed)
			for i := range n {
				j, err := helpers.ComputeShuffledIndex(uint64(i), uint64(n), seed)
				if err != nil {
					t.Fatal(err)
				}
				if shuffled[i] != input[j] {
					t.Fatalf("n=%d seed %x: position %d holds %d, compute_shuffled_index gives input[%d]=%d",
						n, seed[:4], i, shuffled[i], j, input[j])
				}
			}
			if n > 0 && &shuffled[0] == &input[0] {
				t.Fatal("ShuffleList shuffled its input in place")
			}
		}
	}
}

func TestComputeShuffledIndexOutOfRange(t *testing.T) {
	for _, tc := range []struct{ index, count uint64 }{{0, 0}, {5, 5}, {6, 5}} {
		if _, err := helpers.ComputeShuffledIndex(tc.index, tc.count, seedOf(1)); !errors.Is(err, helpers.ErrIndexOutOfRange) {
			t.Errorf("compute_shuffled_index(%d, %d): %v, want ErrIndexOutOfRange", tc.index, tc.count, err)
		}
	}
}

func TestComputeCommitteePartitionsTheList(t *testing.T) {
	const n, count = 1000, 37
	indices := make([]primitives.ValidatorIndex, n)
	for i := range indices {
		indices[i] = primitives.ValidatorIndex(i)
	}
	seen := make(map[primitives.ValidatorIndex]bool)
	for c := range uint64(count) {
		committee, err := helpers.ComputeCommittee(indices, seedOf(7), c, count)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range committee {
			if seen[v] {
				t.Fatalf("validator %d in two committees", v)
			}
			seen[v] = true
		}
	}
	if len(seen) != n {
		t.Fatalf("committees hold %d validators, want %d", len(seen), n)
	}
	if _, err := helpers.ComputeCommittee(indices, seedOf(7), count, count); err == nil {
		t.Error("committee index beyond the count: no error")
	}
}

func TestIntegerSquareroot(t *testing.T) {
	for _, tc := range []struct{ n, want uint64 }{
		{0, 0}, {1, 1}, {3, 1}, {4, 2}, {15, 3}, {16, 4}, {1<<32 - 1, 65535}, {1 << 32, 65536},
		{1<<64 - 2, 1<<32 - 1}, {1<<64 - 1, 1<<32 - 1},
	} {
		if got := helpers.IntegerSquareroot(tc.n); got != tc.want {
			t.Errorf("integer_squareroot(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}

func TestSafeArithmetic(t *testing.T) {
	if _, err := helpers.SafeAdd(uint64(1<<64-1), 1); !errors.Is(err, helpers.ErrOverflow) {
		t.Errorf("SafeAdd overflow: %v", err)
	}
	if _, err := helpers.SafeMul(uint64(1<<32), 1<<32); !errors.Is(err, helpers.ErrOverflow) {
		t.Errorf("SafeMul overflow: %v", err)
	}
	if _, err := helpers.SafeSub(uint64(1), 2); !errors.Is(err, helpers.ErrOverflow) {
		t.Errorf("SafeSub underflow: %v", err)
	}
	if v, err := helpers.SafeMul(uint64(1<<32-1), 1<<32+1); err != nil || v != 1<<64-1 {
		t.Errorf("SafeMul(2^32-1, 2^32+1) = %d, %v", v, err)
	}
}

func BenchmarkShuffleList(b *testing.B) {
	for _, n := range []int{1 << 14, 1 << 20} {
		b.Run(fmt.Sprintf("validators=%d", n), func(b *testing.B) {
			input := make([]primitives.ValidatorIndex, n)
			for i := range input {
				input[i] = primitives.ValidatorIndex(i)
			}
			for i := range b.N {
				helpers.ShuffleList(input, seedOf(i))
			}
		})
	}
}
