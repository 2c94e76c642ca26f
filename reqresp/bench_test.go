package reqresp

import (
	"bytes"
	"testing"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/types"
)

// BenchmarkDecodeBlockChunk measures req/resp block decoding: a response chunk of a block with 1 MiB of
// transactions read from the wire (varint, snappy frames, checksums) and SSZ-decoded.
func BenchmarkDecodeBlockChunk(b *testing.B) {
	var blk types.SignedBeaconBlock
	var seed bytes.Buffer
	// A minimal valid block encoding: decode the zero-valued block's encoding back to fill nested pointers.
	zero, err := types.Marshal(&types.SignedBeaconBlock{Message: &types.BeaconBlock{Body: &types.BeaconBlockBody{
		Eth1Data: &types.Eth1Data{}, SyncAggregate: &types.SyncAggregate{},
		ExecutionPayload:  &types.ExecutionPayload{Transactions: [][]byte{bytes.Repeat([]byte{7, 1, 2}, 1<<18)}},
		ExecutionRequests: &types.ExecutionRequests{}}}})
	if err != nil {
		b.Skipf("cannot build a block: %v", err)
	}
	if err := WriteSuccessChunk(&seed, []byte{1, 2, 3, 4}, zero); err != nil {
		b.Fatal(err)
	}
	limits := NewLimits(&params.Spec{ChainConfig: params.ChainConfig{MaxPayloadSize: 10 << 20}})
	b.SetBytes(int64(len(zero)))
	for b.Loop() {
		c, err := ReadChunk(reader(seed.Bytes()), true, limits.Response(BeaconBlocksByRange))
		if err != nil {
			b.Fatal(err)
		}
		if err := types.Unmarshal(c.Payload, &blk); err != nil {
			b.Fatal(err)
		}
	}
}
