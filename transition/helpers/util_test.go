package helpers_test

import (
	"testing"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/primitives"
)

func aggregate(t *testing.T, sigs []*bls.Signature) primitives.BLSSignature {
	t.Helper()
	agg, err := bls.AggregateSignatures(sigs)
	if err != nil {
		t.Fatal(err)
	}
	return agg.Bytes()
}
