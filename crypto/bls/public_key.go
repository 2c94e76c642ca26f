package bls

import (
	"fmt"
	"runtime"
	"sync"

	blst "github.com/supranational/blst/bindings/go"

	"github.com/salamander-client/salamander/primitives"
)

// PublicKey is a BLS public key: a point of the G1 subgroup. Keys parsed from bytes are never the identity
// (KeyValidate); an aggregate of keys can be, in which case every verification with it fails.
type PublicKey struct {
	p blstPublicKey // 96 bytes: no compressed copy is kept, as a node holds one key per validator
}

// PublicKeyFromBytes decompresses a 48-byte public key and runs KeyValidate: the point must be on the curve, in the
// G1 subgroup, and not the identity (ErrInfinityPublicKey). Decompression is costly: keep the result.
func PublicKeyFromBytes(b []byte) (*PublicKey, error) {
	if len(b) != PublicKeyLength {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidPublicKey, len(b), PublicKeyLength)
	}
	pk := new(PublicKey)
	if pk.p.Uncompress(b) == nil {
		return nil, fmt.Errorf("%w: %#x is not a compressed curve point", ErrInvalidPublicKey, b)
	}
	if !pk.p.InG1() {
		return nil, fmt.Errorf("%w: %#x is not in the G1 subgroup", ErrInvalidPublicKey, b)
	}
	if pk.isInfinity() {
		return nil, ErrInfinityPublicKey
	}
	return pk, nil
}

// Bytes returns the compressed 48-byte encoding.
func (pk *PublicKey) Bytes() primitives.BLSPubkey { return primitives.BLSPubkey(pk.p.Compress()) }

// Equal reports whether two keys are the same point.
func (pk *PublicKey) Equal(other *PublicKey) bool { return pk.p.Equals(&other.p) }

func (pk *PublicKey) isInfinity() bool {
	var identity blstPublicKey
	return pk.p.Equals(&identity)
}

// aggregateChunk is how many keys AggregatePublicKeys hands blst per call. blst's batch addition works through 1024 G1
// points at a time (its 144 KiB scratch buffer), so longer chunks would save nothing, and a fixed chunk keeps the
// pointer buffer small however many keys there are.
const aggregateChunk = 1024

// AggregatePublicKeys is the spec's eth_aggregate_pubkeys over keys already validated: the sum of the points. It
// fails only for an empty list or a nil key. The sum can be the identity; Verify and friends then return false.
//
// It uses blst's batch affine addition (Montgomery's simultaneous inversion: about half the field work of adding
// the points one by one, and one cgo call per 1024 keys rather than one per key). The sum is a group element with a
// unique affine form, so the result is bit-identical to adding the keys one by one. It runs on the calling
// goroutine: the caller chooses the parallelism.
func AggregatePublicKeys(pks []*PublicKey) (*PublicKey, error) {
	if len(pks) == 0 {
		return nil, ErrEmptyAggregate
	}
	points := make([]*blstPublicKey, min(len(pks), aggregateChunk))
	var sum blst.P1 // the zero value is the identity
	for start := 0; start < len(pks); start += len(points) {
		chunk := points[:min(len(points), len(pks)-start)]
		for i := range chunk {
			pk := pks[start+i]
			if pk == nil { // blst would read a nil pointer as "the point after the previous one"
				return nil, fmt.Errorf("%w: public key %d is nil", ErrInvalidPublicKey, start+i)
			}
			chunk[i] = &pk.p
		}
		sum.AddAssign(blst.P1AffinesAdd(chunk))
	}
	return &PublicKey{p: *sum.ToAffine()}, nil
}

// EthAggregatePubkeys is the spec's eth_aggregate_pubkeys on serialized keys: each is validated (KeyValidate),
// and the compressed sum is returned.
func EthAggregatePubkeys(pubkeys []primitives.BLSPubkey) (primitives.BLSPubkey, error) {
	pks := make([]*PublicKey, len(pubkeys))
	for i := range pubkeys {
		pk, err := PublicKeyFromBytes(pubkeys[i][:])
		if err != nil {
			return primitives.BLSPubkey{}, fmt.Errorf("eth_aggregate_pubkeys: pubkey %d: %w", i, err)
		}
		pks[i] = pk
	}
	agg, err := AggregatePublicKeys(pks)
	if err != nil {
		return primitives.BLSPubkey{}, fmt.Errorf("eth_aggregate_pubkeys: %w", err)
	}
	return agg.Bytes(), nil
}

// PublicKeysFromBytes decompresses and validates many keys at once, on all cores: loading a validator registry
// one key at a time would take minutes. If any key is invalid it returns an error naming one such key by index.
func PublicKeysFromBytes(raw []primitives.BLSPubkey) ([]*PublicKey, error) {
	const perWorker = 256 // below this, a goroutine costs more than it saves
	pks := make([]*PublicKey, len(raw))
	workers := min(runtime.GOMAXPROCS(0), (len(raw)+perWorker-1)/perWorker)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					errs[w] = fmt.Errorf("%w: decompression panicked: %v", ErrInvalidPublicKey, r)
				}
			}()
			for i := w; i < len(raw); i += workers {
				pk, err := PublicKeyFromBytes(raw[i][:])
				if err != nil {
					errs[w] = fmt.Errorf("public key %d: %w", i, err)
					return
				}
				pks[i] = pk
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return pks, nil
}
