package bls

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	blst "github.com/supranational/blst/bindings/go"

	"github.com/salamander-client/salamander/primitives"
)

// infinitySignature is the compressed G2 point at infinity (the spec's G2_POINT_AT_INFINITY).
var infinitySignature = [SignatureLength]byte{0xc0}

// TestInteropKeys checks the interop keys of validators 0-9 against the published mocked_start key list (the same
// pairs other clients test their interop genesis with), and validator 63, whose key has a leading zero byte.
func TestInteropKeys(t *testing.T) {
	want := []struct{ secret, public string }{
		{"25295f0d1d592a90b333e26e85149708208e9f8e8bc18f6c77bd62f8ad7a6866", "a99a76ed7796f7be22d5b7e85deeb7c5677e88e511e0b337618f8c4eb61349b4bf2d153f649f7b53359fe8b94a38e44c"},
		{"51d0b65185db6989ab0b560d6deed19c7ead0e24b9b6372cbecb1f26bdfad000", "b89bebc699769726a318c8e9971bd3171297c61aea4a6578a7a4f94b547dcba5bac16a89108b6b6a1fe3695d1a874a0b"},
		{"315ed405fafe339603932eebe8dbfd650ce5dafa561f6928664c75db85f97857", "a3a32b0f8b4ddb83f1a0a853d81dd725dfe577d4f4c3db8ece52ce2b026eca84815c1a7e8e92a4de3d755733bf7e4a9b"},
		{"25b1166a43c109cb330af8945d364722757c65ed2bfed5444b5a2f057f82d391", "88c141df77cd9d8d7a71a75c826c41a9c9f03c6ee1b180f3e7852f6a280099ded351b58d66e653af8e42816a4d8f532e"},
		{"3f5615898238c4c4f906b507ee917e9ea1bb69b93f1dbd11a34d229c3b06784b", "81283b7a20e1ca460ebd9bbd77005d557370cabb1f9a44f530c4c4c66230f675f8df8b4c2818851aa7d77a80ca5a4a5e"},
		{"055794614bc85ed5436c1f5cab586aab6ca84835788621091f4f3b813761e7a8", "ab0bdda0f85f842f431beaccf1250bf1fd7ba51b4100fd64364b6401fda85bb0069b3e715b58819684e7fc0b10a72a34"},
		{"1023c68852075965e0f7352dee3f76a84a83e7582c181c10179936c6d6348893", "9977f1c8b731a8d5558146bfb86caea26434f3c5878b589bf280a42c9159e700e9df0e4086296c20b011d2e78c27d373"},
		{"3a941600dc41e5d20e818473b817a28507c23cdfdb4b659c15461ee5c71e41f5", "a8d4c7c27795a725961317ef5953a7032ed6d83739db8b0e8a72353d1b8b4439427f7efa2c89caa03cc9f28f8cbab8ac"},
		{"066e3bdc0415530e5c7fed6382d5c822c192b620203cf669903e1810a8c67d06", "a6d310dbbfab9a22450f59993f87a4ce5db6223f3b5f1f30d2c4ec718922d400e0b3c7741de8e59960f72411a0ee10a7"},
		{"2b3b88a041168a1c4cd04bdd8de7964fd35238f95442dc678514f9dadb81ec34", "9893413c00283a3f9ed9fd9845dda1cea38228d22567f9541dccc357e54a2d6a6e204103c92564cbc05f4905ac7c493a"},
	}
	keys, err := InteropSecretKeys(uint64(len(want)))
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range want {
		secret, public := keys[i].Bytes(), keys[i].PublicKey().Bytes()
		if hex.EncodeToString(secret[:]) != w.secret {
			t.Errorf("validator %d: secret key %x, want %s", i, secret, w.secret)
		}
		if hex.EncodeToString(public[:]) != w.public {
			t.Errorf("validator %d: public key %x, want %s", i, public, w.public)
		}
	}
	sk63, err := InteropSecretKey(63)
	if err != nil {
		t.Fatal(err)
	}
	if b := sk63.Bytes(); b[0] != 0x00 || b[1] != 0x6e || b[31] != 0xbd {
		t.Errorf("validator 63: secret key %x, want 006e...bd", b)
	}
}

func TestSignVerify(t *testing.T) {
	sk, err := GenerateSecretKey()
	if err != nil {
		t.Fatal(err)
	}
	pk := sk.PublicKey()
	msg := []byte("attestation data root, 32 bytes")
	sig := sk.Sign(msg)
	if !Verify(pk, msg, sig) {
		t.Fatal("valid signature rejected")
	}
	if Verify(pk, []byte("another message"), sig) {
		t.Error("signature verified for another message")
	}
	other, _ := InteropSecretKey(1)
	if Verify(other.PublicKey(), msg, sig) {
		t.Error("signature verified under another key")
	}
	if Verify(nil, msg, sig) || Verify(pk, msg, nil) {
		t.Error("nil key or signature verified")
	}

	// Round trips through bytes.
	pkBytes, sigBytes, skBytes := pk.Bytes(), sig.Bytes(), sk.Bytes()
	pk2, err := PublicKeyFromBytes(pkBytes[:])
	if err != nil || !pk2.Equal(pk) {
		t.Errorf("public key round trip: %v", err)
	}
	sig2, err := SignatureFromBytes(sigBytes[:])
	if err != nil || !sig2.Equal(sig) {
		t.Errorf("signature round trip: %v", err)
	}
	sk2, err := SecretKeyFromBytes(skBytes[:])
	if err != nil || sk2.PublicKey().Bytes() != pkBytes {
		t.Errorf("secret key round trip: %v", err)
	}
	if !Verify(pk2, msg, sig2) {
		t.Error("round-tripped signature rejected")
	}

	sk2.Zeroize()
	if sk2.Bytes() != [SecretKeyLength]byte{} {
		t.Error("Zeroize left key material")
	}
}

func TestParseErrors(t *testing.T) {
	order := curveOrder.FillBytes(make([]byte, 32))
	secrets := [][]byte{make([]byte, 32), order, make([]byte, 31), make([]byte, 33)}
	for _, b := range secrets {
		if _, err := SecretKeyFromBytes(b); !errors.Is(err, ErrInvalidSecretKey) {
			t.Errorf("secret key %x: err %v, want ErrInvalidSecretKey", b, err)
		}
	}

	infinityPK := append([]byte{0xc0}, make([]byte, 47)...)
	if _, err := PublicKeyFromBytes(infinityPK); !errors.Is(err, ErrInfinityPublicKey) {
		t.Errorf("infinity public key: err %v, want ErrInfinityPublicKey", err)
	}
	for _, b := range [][]byte{make([]byte, 48), make([]byte, 47), append([]byte{0x80}, make([]byte, 47)...)} {
		if _, err := PublicKeyFromBytes(b); !errors.Is(err, ErrInvalidPublicKey) {
			t.Errorf("public key %x: err %v, want ErrInvalidPublicKey", b, err)
		}
	}
	for _, b := range [][]byte{make([]byte, 96), make([]byte, 95), append([]byte{0x80}, make([]byte, 95)...)} {
		if _, err := SignatureFromBytes(b); !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("signature %x: err %v, want ErrInvalidSignature", b, err)
		}
	}
	if _, err := SignatureFromBytes(infinitySignature[:]); err != nil {
		t.Errorf("infinity signature: %v", err)
	}
}

// negated returns the secret key r - sk, whose public key is -pk.
func negated(t *testing.T, sk *SecretKey) *SecretKey {
	b := sk.Bytes()
	n := new(big.Int).Sub(curveOrder, new(big.Int).SetBytes(b[:]))
	neg, err := SecretKeyFromBytes(n.FillBytes(make([]byte, 32)))
	if err != nil {
		t.Fatal(err)
	}
	return neg
}

func TestAggregation(t *testing.T) {
	keys, _ := InteropSecretKeys(8)
	msg := []byte("sync committee block root")
	pks := make([]*PublicKey, len(keys))
	sigs := make([]*Signature, len(keys))
	msgs := make([][]byte, len(keys))
	distinctSigs := make([]*Signature, len(keys))
	for i, sk := range keys {
		pks[i], sigs[i] = sk.PublicKey(), sk.Sign(msg)
		msgs[i] = binary.LittleEndian.AppendUint64(nil, uint64(i))
		distinctSigs[i] = sk.Sign(msgs[i])
	}
	agg, err := AggregateSignatures(sigs)
	if err != nil {
		t.Fatal(err)
	}
	if !FastAggregateVerify(pks, msg, agg) || !EthFastAggregateVerify(pks, msg, agg) {
		t.Error("FastAggregateVerify rejected a valid aggregate")
	}
	if FastAggregateVerify(pks[1:], msg, agg) {
		t.Error("FastAggregateVerify accepted an aggregate missing a signer")
	}
	aggPK, err := AggregatePublicKeys(pks)
	if err != nil || !Verify(aggPK, msg, agg) {
		t.Errorf("aggregate key does not verify the aggregate: %v", err)
	}
	distinctAgg, _ := AggregateSignatures(distinctSigs)
	if !AggregateVerify(pks, msgs, distinctAgg) {
		t.Error("AggregateVerify rejected a valid aggregate")
	}
	if AggregateVerify(pks, slices.Concat(msgs[1:], msgs[:1]), distinctAgg) || AggregateVerify(pks[1:], msgs, distinctAgg) {
		t.Error("AggregateVerify accepted mismatched messages")
	}

	// Empty inputs.
	if _, err := AggregateSignatures(nil); !errors.Is(err, ErrEmptyAggregate) {
		t.Errorf("empty signature aggregate: %v", err)
	}
	if _, err := AggregatePublicKeys(nil); !errors.Is(err, ErrEmptyAggregate) {
		t.Errorf("empty key aggregate: %v", err)
	}
	infinity, _ := SignatureFromBytes(infinitySignature[:])
	if FastAggregateVerify(nil, msg, infinity) || AggregateVerify(nil, nil, infinity) {
		t.Error("empty key list verified")
	}
	if !EthFastAggregateVerify(nil, msg, infinity) {
		t.Error("eth_fast_aggregate_verify: no keys with the infinity signature must be valid")
	}
	if EthFastAggregateVerify(nil, msg, agg) {
		t.Error("eth_fast_aggregate_verify: no keys with a real signature verified")
	}

	// Keys that cancel out: the aggregate is the identity, valid as eth_aggregate_pubkeys output, useless to verify.
	neg := negated(t, keys[0])
	cancel, err := AggregatePublicKeys([]*PublicKey{pks[0], neg.PublicKey()})
	if err != nil {
		t.Fatal(err)
	}
	if cancel.Bytes() != primitives.BLSPubkey(append([]byte{0xc0}, make([]byte, 47)...)) {
		t.Errorf("cancelling keys aggregate to %x", cancel.Bytes())
	}
	if Verify(cancel, msg, infinity) || FastAggregateVerify([]*PublicKey{pks[0], neg.PublicKey()}, msg, infinity) {
		t.Error("the identity key verified the identity signature")
	}
	raw, err := EthAggregatePubkeys([]primitives.BLSPubkey{pks[0].Bytes(), neg.PublicKey().Bytes()})
	if err != nil || raw != cancel.Bytes() {
		t.Errorf("EthAggregatePubkeys = %x, %v", raw, err)
	}
	if _, err := EthAggregatePubkeys([]primitives.BLSPubkey{cancel.Bytes()}); !errors.Is(err, ErrInfinityPublicKey) {
		t.Errorf("EthAggregatePubkeys of the identity: %v", err)
	}
}

// aggregateOneByOne is the reference AggregatePublicKeys must match bit for bit: one blst point addition per key.
func aggregateOneByOne(pks []*PublicKey) PublicKey {
	var sum blst.P1Aggregate
	for _, pk := range pks {
		sum.Add(&pk.p, false)
	}
	return PublicKey{p: *sum.ToAffine()}
}

// TestAggregatePublicKeysMatchesOneByOne checks the batch addition against one-by-one addition on random selections
// of keys, sized around blst's thresholds (batching from 16 points, 1024-point chunks), and on the inputs where
// batch addition must fall back to other formulas: a key added to itself, a key and its negation, the identity
// (an aggregate of cancelling keys, which AggregatePublicKeys accepts).
func TestAggregatePublicKeysMatchesOneByOne(t *testing.T) {
	secrets, err := InteropSecretKeys(128)
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]*PublicKey, len(secrets))
	for i, sk := range secrets {
		keys[i] = sk.PublicKey()
	}
	negations := make([]*PublicKey, 8)
	for i := range negations {
		negations[i] = negated(t, secrets[i]).PublicKey()
	}
	identity, err := AggregatePublicKeys([]*PublicKey{keys[0], negations[0]})
	if err != nil || !identity.isInfinity() {
		t.Fatalf("a key and its negation aggregate to %v, %v", identity, err)
	}
	pool := slices.Concat(keys, negations, []*PublicKey{identity})

	check := func(name string, pks []*PublicKey) {
		t.Helper()
		got, err := AggregatePublicKeys(pks)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := aggregateOneByOne(pks); *got != want {
			t.Errorf("%s (%d keys): batch sum %x, one by one %x", name, len(pks), got.p.Serialize(), want.p.Serialize())
		}
	}

	rng := rand.New(rand.NewPCG(7, 11))
	sizes := []int{1, 2, 3, 15, 16, 17, 31, 32, 33, 512, 1023, 1024, 1025, 2048, 2049, 3000}
	for range 20 {
		sizes = append(sizes, 1+rng.IntN(2500))
	}
	for _, n := range sizes {
		// Drawing from a small pool with replacement repeats keys, next to each other too.
		pks := make([]*PublicKey, n)
		for i := range pks {
			pks[i] = pool[rng.IntN(len(pool))]
		}
		check(fmt.Sprintf("random %d", n), pks)
		distinct := make([]*PublicKey, min(n, len(keys)))
		for i, j := range rng.Perm(len(keys))[:len(distinct)] {
			distinct[i] = keys[j]
		}
		check(fmt.Sprintf("distinct %d", len(distinct)), distinct)
	}

	check("doubling", []*PublicKey{keys[1], keys[1]})
	check("cancelling", []*PublicKey{keys[1], negations[1]})
	check("cancelling then a key", []*PublicKey{keys[1], negations[1], keys[2]})
	check("identity", []*PublicKey{identity})
	check("identities", []*PublicKey{identity, identity, identity})
	check("one key 1025 times", slices.Repeat([]*PublicKey{keys[3]}, 1025))
	check("one key and the identity, alternating, 2000 times", slices.Repeat([]*PublicKey{keys[3], identity}, 1000))
	// Negations then keys, in the same order: partial sums cancel deep in blst's addition tree.
	check("keys then their negations", slices.Concat(negations[:8], keys[:8], negations[:8], keys[:8]))
	check("a chunk's keys, then its negations", slices.Concat(slices.Repeat(keys[:8], 128), slices.Repeat(negations[:8], 128)))

	// A nil key is an error, whichever chunk it is in, never a crash.
	for _, at := range []int{0, 1, 1023, 1500} {
		pks := slices.Repeat(keys[:1], 2000)
		pks[at] = nil
		if _, err := AggregatePublicKeys(pks); !errors.Is(err, ErrInvalidPublicKey) || !strings.Contains(err.Error(), fmt.Sprint(at)) {
			t.Errorf("nil key %d: err %v, want ErrInvalidPublicKey naming it", at, err)
		}
	}
}

// signatureSets returns n valid sets with distinct keys and messages.
func signatureSets(t testing.TB, n int) []SignatureSet {
	keys, err := InteropSecretKeys(uint64(n))
	if err != nil {
		t.Fatal(err)
	}
	sets := make([]SignatureSet, n)
	for i, sk := range keys {
		msg := make([]byte, 32)
		binary.LittleEndian.PutUint64(msg, uint64(i)*7919)
		sets[i] = SignatureSet{PublicKey: sk.PublicKey(), Message: msg, Signature: sk.Sign(msg)}
	}
	return sets
}

func TestBatchVerify(t *testing.T) {
	sets := signatureSets(t, 20)
	if !BatchVerify(sets) || !BatchVerify(sets[:1]) || !BatchVerify(nil) {
		t.Fatal("valid batch rejected")
	}
	if invalid := FindInvalidSets(sets); invalid != nil {
		t.Errorf("FindInvalidSets on a valid batch = %v", invalid)
	}

	for _, bad := range [][]int{{0}, {19}, {3, 4}, {0, 7, 8, 19}} {
		t.Run(fmt.Sprint(bad), func(t *testing.T) {
			forged := slices.Clone(sets)
			for _, i := range bad {
				forged[i].Message = []byte("not what was signed")
			}
			if BatchVerify(forged) {
				t.Fatal("batch with forged sets verified")
			}
			if invalid := FindInvalidSets(forged); !slices.Equal(invalid, bad) {
				t.Errorf("FindInvalidSets = %v, want %v", invalid, bad)
			}
		})
	}

	// Two sets whose errors cancel in a plain sum: swapping signatures between two sets of the same message keeps
	// the aggregate equation true, but the random weights catch it.
	swapped := slices.Clone(sets[:2])
	swapped[1].Message = swapped[0].Message
	keys, _ := InteropSecretKeys(2)
	swapped[0].Signature, swapped[1].Signature = keys[1].Sign(swapped[0].Message), keys[0].Sign(swapped[0].Message)
	if BatchVerify(swapped) {
		t.Error("batch with swapped signatures verified")
	}

	withNil := slices.Clone(sets[:3])
	withNil[1].Signature = nil
	if BatchVerify(withNil) || !slices.Equal(FindInvalidSets(withNil), []int{1}) {
		t.Error("a set without a signature was not reported")
	}
}

func TestPublicKeyCache(t *testing.T) {
	sets := signatureSets(t, 4)
	cache := NewPublicKeyCache(3)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, set := range sets {
				pk, err := cache.Get(set.PublicKey.Bytes())
				if err != nil || !pk.Equal(set.PublicKey) {
					t.Errorf("Get: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if cache.Len() != 3 {
		t.Errorf("cache holds %d keys, want its limit 3", cache.Len())
	}
	if _, err := cache.Get(primitives.BLSPubkey{}); !errors.Is(err, ErrInvalidPublicKey) {
		t.Errorf("invalid key: %v", err)
	}
}

func TestPublicKeysFromBytes(t *testing.T) {
	keys, err := InteropSecretKeys(600)
	if err != nil {
		t.Fatal(err)
	}
	raw := make([]primitives.BLSPubkey, len(keys))
	for i, sk := range keys {
		raw[i] = sk.PublicKey().Bytes()
	}
	pks, err := PublicKeysFromBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	for i, pk := range pks {
		if pk.Bytes() != raw[i] {
			t.Fatalf("key %d: %x, want %x", i, pk.Bytes(), raw[i])
		}
	}
	raw[517] = primitives.BLSPubkey{0xc0}
	if _, err := PublicKeysFromBytes(raw); !errors.Is(err, ErrInfinityPublicKey) || !strings.Contains(err.Error(), "517") {
		t.Errorf("err %v, want ErrInfinityPublicKey naming key 517", err)
	}
	if pks, err := PublicKeysFromBytes(nil); err != nil || len(pks) != 0 {
		t.Errorf("no keys: %v, %v", pks, err)
	}
}

func TestFindInvalidGroups(t *testing.T) {
	sets := signatureSets(t, 6)
	groups := [][]SignatureSet{sets[0:2], nil, sets[2:3], sets[3:6]}
	if invalid := FindInvalidGroups(groups); invalid != nil {
		t.Fatalf("valid groups reported invalid: %v", invalid)
	}
	forged := slices.Clone(sets)
	forged[4].Message = []byte("not what was signed")
	groups = [][]SignatureSet{forged[0:2], nil, forged[2:3], forged[3:6]}
	if invalid := FindInvalidGroups(groups); len(invalid) != 1 || !invalid[3] {
		t.Fatalf("invalid groups %v, want only group 3, which holds the forged set", invalid)
	}
}
