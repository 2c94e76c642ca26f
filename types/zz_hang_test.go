package types_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/salamander-client/salamander/types"
)

func TestZZHang(t *testing.T) {
	var seeds [][]byte
	for _, f := range vectorFiles(t, staticSuite("BeaconState")) {
		if s := readSnappy(t, f); len(s) <= 64<<10 {
			seeds = append(seeds, s)
		}
	}
	t.Logf("%d seeds", len(seeds))
	rng := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 3000; i++ {
		seed := seeds[rng.IntN(len(seeds))]
		data := append([]byte{}, seed...)
		for k := 0; k < 1+rng.IntN(4); k++ {
			data[rng.IntN(len(data))] = byte(rng.Uint32())
		}
		start := time.Now()
		done := make(chan struct{})
		go func() {
			st := new(types.BeaconState)
			if err := st.UnmarshalSSZ(data); err == nil {
				st.MarshalSSZ()
				st.HashTreeRoot()
			}
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("hang on iteration %d (len %d)", i, len(data))
		}
		if d := time.Since(start); d > 200*time.Millisecond {
			t.Logf("slow %v", d)
		}
	}
}
