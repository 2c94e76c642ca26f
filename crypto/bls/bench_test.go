//go:build unix

package bls

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	blst "github.com/supranational/blst/bindings/go"

	"github.com/salamander-client/salamander/bench/cputime"
)

// Beside the wall time, each benchmark reports cpu-ms/op: the processor time of the whole process per operation,
// which counts the work of every goroutine blst starts and stays meaningful on a machine shared with other work.
//
//	go test -run='^$' -bench=. -benchmem -count=5 ./crypto/bls

// measureCPU starts the processor-time count of a benchmark loop; call the result after the loop.
func measureCPU(b *testing.B) (report func()) {
	b.ReportAllocs()
	cpu := cputime.Start()
	return func() { cpu.Report(b) }
}

// benchmarkKeyTable is a key table the size of a busy block's attesters: the multiples 1·G to n·G of the G1
// generator, distinct valid keys that take milliseconds to make where deriving them from secret keys would take
// seconds. What aggregation costs does not depend on which keys it adds.
var benchmarkKeyTable = sync.OnceValue(func() []PublicKey {
	const n = 250_000
	multiples := make(blst.P1s, n)
	multiples[0] = *blst.P1Generator()
	for i := 1; i < n; i++ {
		multiples[i] = *multiples[i-1].Add(blst.P1Generator())
	}
	table := make([]PublicKey, n)
	for i, p := range multiples.ToAffine() {
		table[i].p = p
	}
	return table
})

// attesterKeys returns n keys of benchmarkKeyTable at distinct random indices, in increasing index order as
// attesting indices are: a block's attesters are scattered over the validator registry.
func attesterKeys(n int) []*PublicKey {
	table := benchmarkKeyTable()
	indices := rand.New(rand.NewPCG(1, uint64(n))).Perm(len(table))[:n]
	slices.Sort(indices)
	keys := make([]*PublicKey, n)
	for i, index := range indices {
		keys[i] = &table[index]
	}
	return keys
}

// BenchmarkAggregatePublicKeys aggregates one mainnet committee at 1M validators (512 keys), a few committees
// (2048) and a busy block's worth of attesters (250k).
func BenchmarkAggregatePublicKeys(b *testing.B) {
	for _, n := range []int{512, 2048, 250_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			keys := attesterKeys(n)
			report := measureCPU(b)
			for b.Loop() {
				if _, err := AggregatePublicKeys(keys); err != nil {
					b.Fatal(err)
				}
			}
			report()
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	set := signatureSets(b, 1)[0]
	report := measureCPU(b)
	for b.Loop() {
		if !Verify(set.PublicKey, set.Message, set.Signature) {
			b.Fatal("invalid")
		}
	}
	report()
}

// BenchmarkVerify64 verifies 64 sets one by one, the baseline of BenchmarkBatchVerify64.
func BenchmarkVerify64(b *testing.B) {
	sets := signatureSets(b, 64)
	report := measureCPU(b)
	for b.Loop() {
		for _, set := range sets {
			if !Verify(set.PublicKey, set.Message, set.Signature) {
				b.Fatal("invalid")
			}
		}
	}
	report()
}

func BenchmarkBatchVerify64(b *testing.B) {
	sets := signatureSets(b, 64)
	report := measureCPU(b)
	for b.Loop() {
		if !BatchVerify(sets) {
			b.Fatal("invalid")
		}
	}
	report()
}

func BenchmarkFindInvalidSets64OneBad(b *testing.B) {
	sets := signatureSets(b, 64)
	sets[37].Message = []byte("forged")
	report := measureCPU(b)
	for b.Loop() {
		if invalid := FindInvalidSets(sets); len(invalid) != 1 {
			b.Fatal(invalid)
		}
	}
	report()
}

func BenchmarkFastAggregateVerify512(b *testing.B) {
	keys, err := InteropSecretKeys(512)
	if err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, 32)
	pks := make([]*PublicKey, len(keys))
	sigs := make([]*Signature, len(keys))
	for i, sk := range keys {
		pks[i], sigs[i] = sk.PublicKey(), sk.Sign(msg)
	}
	agg, err := AggregateSignatures(sigs)
	if err != nil {
		b.Fatal(err)
	}
	report := measureCPU(b)
	for b.Loop() {
		if !FastAggregateVerify(pks, msg, agg) {
			b.Fatal("invalid")
		}
	}
	report()
}

func BenchmarkPublicKeyFromBytes(b *testing.B) {
	raw := signatureSets(b, 1)[0].PublicKey.Bytes()
	report := measureCPU(b)
	for b.Loop() {
		if _, err := PublicKeyFromBytes(raw[:]); err != nil {
			b.Fatal(err)
		}
	}
	report()
}

func BenchmarkSignatureFromBytes(b *testing.B) {
	raw := signatureSets(b, 1)[0].Signature.Bytes()
	report := measureCPU(b)
	for b.Loop() {
		if _, err := SignatureFromBytes(raw[:]); err != nil {
			b.Fatal(err)
		}
	}
	report()
}

func BenchmarkSign(b *testing.B) {
	sk, _ := InteropSecretKey(0)
	msg := make([]byte, 32)
	report := measureCPU(b)
	for b.Loop() {
		sk.Sign(msg)
	}
	report()
}
