package helpers

import (
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/salamander-client/salamander/primitives"
)

// IntegerSquareroot is the spec's integer_squareroot: the largest x with x*x <= n.
func IntegerSquareroot(n uint64) uint64 {
	if n == math.MaxUint64 {
		return 1<<32 - 1 // UINT64_MAX_SQRT
	}
	x := n
	y := (x + 1) / 2
	for y < x {
		x = y
		y = (x + n/x) / 2
	}
	return x
}

// Xor is the spec's xor of two 32-byte strings.
func Xor(a, b primitives.Bytes32) primitives.Bytes32 {
	var out primitives.Bytes32
	for i := range out {
		out[i] = a[i] ^ b[i]
	}
	return out
}

// BytesToUint64 is the spec's bytes_to_uint64: data (at most 8 bytes) read little-endian.
func BytesToUint64(data []byte) uint64 {
	var buf [8]byte
	copy(buf[:], data)
	return binary.LittleEndian.Uint64(buf[:])
}

// SaturatingSub is the spec's saturating_sub: a - b, or 0 when b >= a.
func SaturatingSub(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return 0
}

// safeAdd returns a + b, or ErrOverflow where the spec's uint64 would raise.
func safeAdd[T ~uint64](a, b T) (T, error) {
	sum, carry := bits.Add64(uint64(a), uint64(b), 0)
	if carry != 0 {
		return 0, ErrOverflow
	}
	return T(sum), nil
}

// safeMul returns a * b, or ErrOverflow where the spec's uint64 would raise.
func safeMul[T ~uint64](a, b T) (T, error) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 {
		return 0, ErrOverflow
	}
	return T(lo), nil
}

// SafeAdd is a + b with the spec's uint64 overflow check (ErrOverflow).
func SafeAdd[T ~uint64](a, b T) (T, error) { return safeAdd(a, b) }

// SafeMul is a * b with the spec's uint64 overflow check (ErrOverflow).
func SafeMul[T ~uint64](a, b T) (T, error) { return safeMul(a, b) }

// SafeSub is a - b with the spec's uint64 underflow check (ErrOverflow).
func SafeSub[T ~uint64](a, b T) (T, error) {
	if b > a {
		return 0, ErrOverflow
	}
	return a - b, nil
}
