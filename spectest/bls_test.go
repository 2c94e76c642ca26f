package spectest

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/primitives"
)

// The bls runner: consensus-spec-tests' general/<fork>/bls/<handler> (eth_aggregate_pubkeys,
// eth_fast_aggregate_verify) and the bls12-381-tests suite (one YAML file per case). Both share the formats of
// tests/formats/bls; bls12-381-tests adds batch_verify, deserialization_G1/G2 and hash_to_G2.
func init() {
	registry.Handle("bls", "sign", blsSign)
	registry.Handle("bls", "verify", blsVerify)
	registry.Handle("bls", "aggregate", blsAggregate)
	registry.Handle("bls", "aggregate_verify", blsAggregateVerify)
	registry.Handle("bls", "fast_aggregate_verify", blsFastAggregateVerify)
	registry.Handle("bls", "batch_verify", blsBatchVerify)
	registry.Handle("bls", "deserialization_G1", blsDeserializationG1)
	registry.Handle("bls", "deserialization_G2", blsDeserializationG2)
	registry.Handle("bls", "hash_to_G2", blsHashToG2)
	registry.Handle("bls", "eth_aggregate_pubkeys", blsEthAggregatePubkeys)
	registry.Handle("bls", "eth_fast_aggregate_verify", blsEthFastAggregateVerify)
}

// hashToG2DST is the domain separation tag of the bls12-381-tests hash_to_G2 vectors, which are the hash-to-curve
// draft's BLS12381G2_XMD:SHA-256_SSWU_RO_ test vectors.
const hashToG2DST = "QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_"

// readBLSCase decodes a case: the single file of a bls12-381-tests case, or data.yaml of a consensus-spec-tests one.
func readBLSCase(t *testing.T, c Case, v any) {
	t.Helper()
	name := "data"
	if c.File != "" {
		name = ""
	}
	if err := c.ReadYAML(name, v); err != nil {
		t.Fatalf("read case: %v", err)
	}
}

// hexBytes decodes a 0x-prefixed hex string of the vectors.
func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	digits, ok := strings.CutPrefix(s, "0x")
	if !ok {
		t.Fatalf("hex value %q lacks its 0x prefix", s)
	}
	b, err := hex.DecodeString(digits)
	if err != nil {
		t.Fatalf("hex value %q: %v", s, err)
	}
	return b
}

// parsePublicKeys returns the decompressed keys, or the first error.
func parsePublicKeys(t *testing.T, hexKeys []string) ([]*bls.PublicKey, error) {
	t.Helper()
	pks := make([]*bls.PublicKey, len(hexKeys))
	for i, h := range hexKeys {
		pk, err := bls.PublicKeyFromBytes(hexBytes(t, h))
		if err != nil {
			return nil, fmt.Errorf("pubkey %d: %w", i, err)
		}
		pks[i] = pk
	}
	return pks, nil
}

func parseMessages(t *testing.T, hexMessages []string) [][]byte {
	t.Helper()
	msgs := make([][]byte, len(hexMessages))
	for i, h := range hexMessages {
		msgs[i] = hexBytes(t, h)
	}
	return msgs
}

// expectBool compares a verification result with the case's output, logging why an input was rejected.
func expectBool(t *testing.T, have, want bool, rejected error) {
	t.Helper()
	if rejected != nil {
		t.Logf("input rejected: %v", rejected)
	}
	if have != want {
		t.Errorf("result %v, want %v", have, want)
	}
}

func blsSign(t *testing.T, c Case) {
	var data struct {
		Input struct {
			Privkey string `yaml:"privkey"`
			Message string `yaml:"message"`
		} `yaml:"input"`
		Output *string `yaml:"output"`
	}
	readBLSCase(t, c, &data)
	sk, err := bls.SecretKeyFromBytes(hexBytes(t, data.Input.Privkey))
	if err != nil {
		if data.Output != nil {
			t.Fatalf("secret key rejected: %v; want signature %s", err, *data.Output)
		}
		if !errors.Is(err, bls.ErrInvalidSecretKey) {
			t.Errorf("error %v, want ErrInvalidSecretKey", err)
		}
		return
	}
	if data.Output == nil {
		t.Fatal("signed with an invalid secret key, want an error")
	}
	sig := sk.Sign(hexBytes(t, data.Input.Message))
	if have := sig.Bytes(); !bytes.Equal(have[:], hexBytes(t, *data.Output)) {
		t.Errorf("signature %#x, want %s", have, *data.Output)
	}
	// The signature must also verify under the key's public key.
	if !bls.Verify(sk.PublicKey(), hexBytes(t, data.Input.Message), sig) {
		t.Error("own signature does not verify")
	}
}

func blsVerify(t *testing.T, c Case) {
	var data struct {
		Input struct {
			Pubkey    string `yaml:"pubkey"`
			Message   string `yaml:"message"`
			Signature string `yaml:"signature"`
		} `yaml:"input"`
		Output bool `yaml:"output"`
	}
	readBLSCase(t, c, &data)
	pk, err := bls.PublicKeyFromBytes(hexBytes(t, data.Input.Pubkey))
	if err != nil {
		expectBool(t, false, data.Output, err)
		return
	}
	sig, err := bls.SignatureFromBytes(hexBytes(t, data.Input.Signature))
	if err != nil {
		expectBool(t, false, data.Output, err)
		return
	}
	expectBool(t, bls.Verify(pk, hexBytes(t, data.Input.Message), sig), data.Output, nil)
}

func blsAggregate(t *testing.T, c Case) {
	var data struct {
		Input  []string `yaml:"input"`
		Output *string  `yaml:"output"`
	}
	readBLSCase(t, c, &data)
	sigs := make([]*bls.Signature, len(data.Input))
	for i, h := range data.Input {
		sig, err := bls.SignatureFromBytes(hexBytes(t, h))
		if err != nil {
			if data.Output != nil {
				t.Fatalf("signature %d rejected: %v", i, err)
			}
			return
		}
		sigs[i] = sig
	}
	agg, err := bls.AggregateSignatures(sigs)
	switch {
	case data.Output == nil && err == nil:
		t.Fatalf("aggregated to %#x, want an error", agg.Bytes())
	case data.Output == nil:
		if !errors.Is(err, bls.ErrEmptyAggregate) {
			t.Errorf("error %v, want ErrEmptyAggregate", err)
		}
	case err != nil:
		t.Fatalf("aggregate: %v", err)
	default:
		if have := agg.Bytes(); !bytes.Equal(have[:], hexBytes(t, *data.Output)) {
			t.Errorf("aggregate %#x, want %s", have, *data.Output)
		}
	}
}

func blsAggregateVerify(t *testing.T, c Case) {
	var data struct {
		Input struct {
			Pubkeys   []string `yaml:"pubkeys"`
			Messages  []string `yaml:"messages"`
			Signature string   `yaml:"signature"`
		} `yaml:"input"`
		Output bool `yaml:"output"`
	}
	readBLSCase(t, c, &data)
	pks, err := parsePublicKeys(t, data.Input.Pubkeys)
	if err != nil {
		expectBool(t, false, data.Output, err)
		return
	}
	sig, err := bls.SignatureFromBytes(hexBytes(t, data.Input.Signature))
	if err != nil {
		expectBool(t, false, data.Output, err)
		return
	}
	expectBool(t, bls.AggregateVerify(pks, parseMessages(t, data.Input.Messages), sig), data.Output, nil)
}

type fastAggregateVerifyCase struct {
	Input struct {
		Pubkeys   []string `yaml:"pubkeys"`
		Message   string   `yaml:"message"`
		Signature string   `yaml:"signature"`
	} `yaml:"input"`
	Output bool `yaml:"output"`
}

func runFastAggregateVerify(t *testing.T, c Case, verify func([]*bls.PublicKey, []byte, *bls.Signature) bool) {
	var data fastAggregateVerifyCase
	readBLSCase(t, c, &data)
	pks, err := parsePublicKeys(t, data.Input.Pubkeys)
	if err != nil {
		expectBool(t, false, data.Output, err)
		return
	}
	sig, err := bls.SignatureFromBytes(hexBytes(t, data.Input.Signature))
	if err != nil {
		expectBool(t, false, data.Output, err)
		return
	}
	expectBool(t, verify(pks, hexBytes(t, data.Input.Message), sig), data.Output, nil)
}

func blsFastAggregateVerify(t *testing.T, c Case) {
	runFastAggregateVerify(t, c, bls.FastAggregateVerify)
}

func blsEthFastAggregateVerify(t *testing.T, c Case) {
	runFastAggregateVerify(t, c, bls.EthFastAggregateVerify)
}

func blsBatchVerify(t *testing.T, c Case) {
	var data struct {
		Input struct {
			Pubkeys    []string `yaml:"pubkeys"`
			Messages   []string `yaml:"messages"`
			Signatures []string `yaml:"signatures"`
		} `yaml:"input"`
		Output bool `yaml:"output"`
	}
	readBLSCase(t, c, &data)
	if len(data.Input.Pubkeys) != len(data.Input.Messages) || len(data.Input.Pubkeys) != len(data.Input.Signatures) {
		t.Fatalf("malformed case: %d pubkeys, %d messages, %d signatures",
			len(data.Input.Pubkeys), len(data.Input.Messages), len(data.Input.Signatures))
	}
	pks, err := parsePublicKeys(t, data.Input.Pubkeys)
	if err != nil {
		expectBool(t, false, data.Output, err)
		return
	}
	msgs := parseMessages(t, data.Input.Messages)
	sets := make([]bls.SignatureSet, len(pks))
	for i := range pks {
		sig, err := bls.SignatureFromBytes(hexBytes(t, data.Input.Signatures[i]))
		if err != nil {
			expectBool(t, false, data.Output, fmt.Errorf("signature %d: %w", i, err))
			return
		}
		sets[i] = bls.SignatureSet{PublicKey: pks[i], Message: msgs[i], Signature: sig}
	}
	expectBool(t, bls.BatchVerify(sets), data.Output, nil)
	// Finding the invalid sets must agree with the batch verdict and with verifying each set alone.
	invalid := bls.FindInvalidSets(sets)
	var want []int
	for i, set := range sets {
		if !bls.Verify(set.PublicKey, set.Message, set.Signature) {
			want = append(want, i)
		}
	}
	if fmt.Sprint(invalid) != fmt.Sprint(want) || (len(invalid) == 0) != data.Output {
		t.Errorf("FindInvalidSets = %v, individually invalid %v, batch valid %v", invalid, want, data.Output)
	}
}

func blsDeserializationG1(t *testing.T, c Case) {
	var data struct {
		Input struct {
			Pubkey string `yaml:"pubkey"`
		} `yaml:"input"`
		Output bool `yaml:"output"`
	}
	readBLSCase(t, c, &data)
	// The suite checks decoding alone, which accepts the point at infinity; KeyValidate then rejects that point as a
	// public key, with its own error.
	_, err := bls.PublicKeyFromBytes(hexBytes(t, data.Input.Pubkey))
	decoded := err == nil || errors.Is(err, bls.ErrInfinityPublicKey)
	expectBool(t, decoded, data.Output, err)
	if err != nil && !errors.Is(err, bls.ErrInvalidPublicKey) && !errors.Is(err, bls.ErrInfinityPublicKey) {
		t.Errorf("error %v, want ErrInvalidPublicKey", err)
	}
}

func blsDeserializationG2(t *testing.T, c Case) {
	var data struct {
		Input struct {
			Signature string `yaml:"signature"`
		} `yaml:"input"`
		Output bool `yaml:"output"`
	}
	readBLSCase(t, c, &data)
	_, err := bls.SignatureFromBytes(hexBytes(t, data.Input.Signature))
	expectBool(t, err == nil, data.Output, err)
	if err != nil && !errors.Is(err, bls.ErrInvalidSignature) {
		t.Errorf("error %v, want ErrInvalidSignature", err)
	}
}

func blsHashToG2(t *testing.T, c Case) {
	var data struct {
		Input struct {
			Msg string `yaml:"msg"`
		} `yaml:"input"`
		Output struct {
			X string `yaml:"x"` // "0x<c0>,0x<c1>"
			Y string `yaml:"y"`
		} `yaml:"output"`
	}
	readBLSCase(t, c, &data)
	point := bls.HashToG2([]byte(data.Input.Msg), []byte(hashToG2DST))
	// point is x.c1 || x.c0 || y.c1 || y.c0.
	for i, coord := range []struct{ name, want string }{{"x", data.Output.X}, {"y", data.Output.Y}} {
		c0, c1, ok := strings.Cut(coord.want, ",")
		if !ok {
			t.Fatalf("output %s %q is not c0,c1", coord.name, coord.want)
		}
		have := point[96*i : 96*(i+1)]
		if !bytes.Equal(have[48:], hexBytes(t, c0)) || !bytes.Equal(have[:48], hexBytes(t, c1)) {
			t.Errorf("%s = 0x%x,0x%x, want %s", coord.name, have[48:], have[:48], coord.want)
		}
	}
}

func blsEthAggregatePubkeys(t *testing.T, c Case) {
	var data struct {
		Input  []string `yaml:"input"`
		Output *string  `yaml:"output"`
	}
	readBLSCase(t, c, &data)
	pubkeys := make([]primitives.BLSPubkey, len(data.Input))
	for i, h := range data.Input {
		b := hexBytes(t, h)
		if len(b) != len(pubkeys[i]) {
			if data.Output != nil {
				t.Fatalf("pubkey %d has %d bytes", i, len(b))
			}
			return
		}
		pubkeys[i] = primitives.BLSPubkey(b)
	}
	agg, err := bls.EthAggregatePubkeys(pubkeys)
	switch {
	case data.Output == nil && err == nil:
		t.Fatalf("aggregated to %#x, want an error", agg)
	case data.Output == nil:
		t.Logf("rejected: %v", err)
	case err != nil:
		t.Fatalf("aggregate: %v", err)
	case !bytes.Equal(agg[:], hexBytes(t, *data.Output)):
		t.Errorf("aggregate %#x, want %s", agg, *data.Output)
	}
}
