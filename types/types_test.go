package types_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
	"os/exec"
	"testing"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

func mustMarshal(t *testing.T, obj types.Object) []byte {
	t.Helper()
	encoded, err := types.Marshal(obj)
	if err != nil {
		t.Fatalf("marshal %T: %v", obj, err)
	}
	return encoded
}

func TestMalformedInputIsRejected(t *testing.T) {
	block := mustMarshal(t, sampleBlock())
	attestation := mustMarshal(t, sampleAttestation())

	tooManyAttestations := sampleBlock()
	for range params.MaxAttestationsElectra {
		tooManyAttestations.Message.Body.Attestations = append(tooManyAttestations.Message.Body.Attestations, sampleAttestation())
	}
	overLimit := mustMarshal(t, tooManyAttestations)

	// The aggregation bits are the attestation's last bytes; a zero last byte has no length bit.
	noLengthBit := bytes.Clone(attestation)
	noLengthBit[len(noLengthBit)-1] = 0

	badOffset := bytes.Clone(block)
	binary.LittleEndian.PutUint32(badOffset, uint32(len(block)+1))

	shiftedOffset := bytes.Clone(block)
	binary.LittleEndian.PutUint32(shiftedOffset, binary.LittleEndian.Uint32(block)+1)

	tests := []struct {
		name string
		data []byte
		obj  types.Object
	}{
		{"empty", nil, new(types.SignedBeaconBlock)},
		{"truncated fixed part", block[:50], new(types.SignedBeaconBlock)},
		{"truncated dynamic part", block[:len(block)-1], new(types.SignedBeaconBlock)},
		{"trailing byte", append(bytes.Clone(block), 0), new(types.SignedBeaconBlock)},
		{"offset beyond the data", badOffset, new(types.SignedBeaconBlock)},
		{"offset past the fixed part", shiftedOffset, new(types.SignedBeaconBlock)},
		{"list over its limit", overLimit, new(types.SignedBeaconBlock)},
		{"bitlist without length bit", noLengthBit, new(types.Attestation)},
		{"static object too short", make([]byte, types.SingleAttestationSize-1), new(types.SingleAttestation)},
		{"static object too long", make([]byte, types.SingleAttestationSize+1), new(types.SingleAttestation)},
		{"boolean other than 0 or 1", append(make([]byte, 88), append([]byte{2}, make([]byte, 32)...)...), new(types.Validator)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := types.Unmarshal(tt.data, tt.obj)
			if !errors.Is(err, types.ErrInvalidSSZ) {
				t.Fatalf("want ErrInvalidSSZ, have %v", err)
			}
		})
	}
}

func TestBitvectorPaddingIsRejected(t *testing.T) {
	// MetaData.Syncnets is Bitvector[4] in one byte: the high four bits must be clear.
	meta := &types.MetaData{SeqNumber: 1, CustodyGroupCount: 4}
	meta.Syncnets[0] = 0b1111
	encoded := mustMarshal(t, meta)
	if err := types.Unmarshal(encoded, new(types.MetaData)); err != nil {
		t.Fatalf("valid bitvector rejected: %v", err)
	}
	encoded[8+types.AttnetsBytes] |= 0b1_0000
	if err := types.Unmarshal(encoded, new(types.MetaData)); !errors.Is(err, types.ErrInvalidSSZ) {
		t.Fatalf("padding bit accepted: %v", err)
	}
}

func TestRoundTripKeepsContent(t *testing.T) {
	in := sampleBlock()
	encoded := mustMarshal(t, in)
	out := new(types.SignedBeaconBlock)
	if err := out.UnmarshalSSZ(encoded); err != nil {
		t.Fatal(err)
	}
	if in.HashTreeRoot() != out.HashTreeRoot() {
		t.Fatal("decoded block has a different root")
	}
	body := out.Message.Body
	if got := body.Attestations[0].AggregationBits.Count(); got != 3 {
		t.Errorf("aggregation bits: have %d set, want 3", got)
	}
	if string(body.ExecutionPayload.ExtraData) != "salamander" || len(body.ExecutionPayload.Transactions) != 2 {
		t.Errorf("payload content lost: %+v", body.ExecutionPayload)
	}

	// The streaming decoder agrees with the buffered one.
	streamed := new(types.SignedBeaconBlock)
	if err := types.DecodeFrom(bytes.NewReader(encoded), uint64(len(encoded)), streamed); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := types.EncodeTo(&buf, streamed); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), encoded) {
		t.Fatal("stream round trip differs")
	}
}

func TestMarshalAppendKeepsPrefix(t *testing.T) {
	prefix := []byte{0xde, 0xad}
	out, err := types.MarshalAppend(prefix, &types.Checkpoint{Epoch: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out[:2], prefix) || len(out) != 2+types.CheckpointSize {
		t.Fatalf("have %x", out)
	}
}

func TestExecutionPayloadHeader(t *testing.T) {
	payload := sampleBlock().Message.Body.ExecutionPayload
	header := payload.Header()
	if header.TransactionsRoot != types.TransactionsRoot(payload.Transactions) || header.WithdrawalsRoot != types.WithdrawalsRoot(payload.Withdrawals) {
		t.Fatal("header roots differ from the list roots")
	}
	header.ExtraData[0] = 'S'
	if payload.ExtraData[0] != 's' {
		t.Fatal("header shares extra data with the payload")
	}
	// An empty list's root is the root of zero chunks mixed in with length 0, whatever its limit.
	if types.TransactionsRoot(nil) == (primitives.Root{}) {
		t.Fatal("empty transactions root is zero")
	}
}

func TestBeaconBlocksByRootRequest(t *testing.T) {
	req := types.BeaconBlocksByRootRequest{{1}, {2}, {3}}
	encoded, err := req.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	var out types.BeaconBlocksByRootRequest
	if err := out.UnmarshalSSZ(encoded); err != nil || len(out) != 3 || out[2] != req[2] {
		t.Fatalf("round trip: %v %v", out, err)
	}
	if err := out.UnmarshalSSZ(encoded[:40]); !errors.Is(err, types.ErrInvalidSSZ) {
		t.Fatalf("partial root accepted: %v", err)
	}
	if err := out.UnmarshalSSZ(make([]byte, 32*(types.MaxRequestBlocksDeneb+1))); !errors.Is(err, types.ErrInvalidSSZ) {
		t.Fatalf("too many roots accepted: %v", err)
	}
	if _, err := make(types.BeaconBlocksByRootRequest, types.MaxRequestBlocksDeneb+1).MarshalSSZ(); !errors.Is(err, types.ErrUnencodable) {
		t.Fatalf("too many roots encoded: %v", err)
	}
}

func TestBlobSidecarsByRootRequest(t *testing.T) {
	req := types.BlobSidecarsByRootRequest{{BlockRoot: primitives.Root{9}, Index: 1}, {Index: 5}}
	encoded, err := req.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	if len(encoded) != 2*types.BlobIdentifierSize {
		t.Fatalf("encoded %d bytes", len(encoded))
	}
	var out types.BlobSidecarsByRootRequest
	if err := out.UnmarshalSSZ(encoded); err != nil || len(out) != 2 || *out[0] != *req[0] || *out[1] != *req[1] {
		t.Fatalf("round trip: %v %v", out, err)
	}
	if err := out.UnmarshalSSZ(encoded[1:]); !errors.Is(err, types.ErrInvalidSSZ) {
		t.Fatalf("ragged input accepted: %v", err)
	}
}

func TestDataColumnSidecarsByRootRequest(t *testing.T) {
	req := types.DataColumnSidecarsByRootRequest{
		{BlockRoot: primitives.Root{1}, Columns: []primitives.ColumnIndex{0, 5, 127}},
		{BlockRoot: primitives.Root{2}, Columns: []primitives.ColumnIndex{}},
		{BlockRoot: primitives.Root{3}, Columns: []primitives.ColumnIndex{64}},
	}
	encoded, err := req.MarshalSSZ()
	if err != nil {
		t.Fatal(err)
	}
	var out types.DataColumnSidecarsByRootRequest
	if err := out.UnmarshalSSZ(encoded); err != nil {
		t.Fatal(err)
	}
	for i := range req {
		if out[i].HashTreeRoot() != req[i].HashTreeRoot() {
			t.Fatalf("item %d differs", i)
		}
	}
	if err := out.UnmarshalSSZ(nil); err != nil || len(out) != 0 {
		t.Fatalf("empty list: %v %v", out, err)
	}

	bad := func(mutate func([]byte)) []byte {
		b := bytes.Clone(encoded)
		mutate(b)
		return b
	}
	for name, data := range map[string][]byte{
		"short":                {1, 0},
		"zero first offset":    bad(func(b []byte) { binary.LittleEndian.PutUint32(b, 0) }),
		"unaligned offset":     bad(func(b []byte) { binary.LittleEndian.PutUint32(b, 13) }),
		"offset past the end":  bad(func(b []byte) { binary.LittleEndian.PutUint32(b[4:], uint32(len(b)+1)) }),
		"decreasing offsets":   bad(func(b []byte) { binary.LittleEndian.PutUint32(b[8:], 12) }),
		"truncated last item":  encoded[:len(encoded)-1],
		"too many identifiers": make([]byte, 4*(types.MaxRequestBlocksDeneb+1)),
	} {
		if name == "too many identifiers" {
			binary.LittleEndian.PutUint32(data, uint32(len(data)))
		}
		if err := out.UnmarshalSSZ(data); !errors.Is(err, types.ErrInvalidSSZ) {
			t.Errorf("%s: want ErrInvalidSSZ, have %v", name, err)
		}
	}
}

func TestGeneratedMethodsAreCurrent(t *testing.T) {
	out, err := exec.Command("go", "run", "gen_methods.go", "-check").CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}

func TestErrorMessageAndGoodbye(t *testing.T) {
	var msg types.ErrorMessage
	if err := msg.UnmarshalSSZ([]byte("rate limited")); err != nil || string(msg) != "rate limited" {
		t.Fatalf("error message: %q %v", msg, err)
	}
	if err := msg.UnmarshalSSZ(make([]byte, types.MaxErrorMessageLength+1)); !errors.Is(err, types.ErrInvalidSSZ) {
		t.Fatalf("long error message accepted: %v", err)
	}
	encoded, err := types.GoodbyeIrrelevantNetwork.MarshalSSZ()
	if err != nil || !bytes.Equal(encoded, []byte{2, 0, 0, 0, 0, 0, 0, 0}) {
		t.Fatalf("goodbye: %x %v", encoded, err)
	}
	var reason types.Goodbye
	if err := reason.UnmarshalSSZ(encoded); err != nil || reason != types.GoodbyeIrrelevantNetwork {
		t.Fatalf("goodbye round trip: %d %v", reason, err)
	}
	if err := reason.UnmarshalSSZ(encoded[:7]); !errors.Is(err, types.ErrInvalidSSZ) {
		t.Fatalf("short goodbye accepted: %v", err)
	}
}

// TestNetworkConstantsMatchConfigs guards the config values that types fixes at compile time because they size SSZ
// types: every published config must agree with them.
func TestNetworkConstantsMatchConfigs(t *testing.T) {
	for name, cfg := range map[string]*params.ChainConfig{"mainnet": params.MainnetConfig(), "minimal": params.MinimalConfig()} {
		for _, c := range []struct {
			key        string
			have, want uint64
		}{
			{"ATTESTATION_SUBNET_COUNT", types.AttestationSubnetCount, cfg.AttestationSubnetCount},
			{"MAX_REQUEST_BLOCKS_DENEB", types.MaxRequestBlocksDeneb, cfg.MaxRequestBlocksDeneb},
			{"MAX_REQUEST_BLOB_SIDECARS_ELECTRA", types.MaxRequestBlobSidecarsElectra, cfg.MaxRequestBlobSidecarsElectra},
			{"MAX_REQUEST_DATA_COLUMN_SIDECARS", types.MaxRequestDataColumnSidecars, cfg.MaxRequestDataColumnSidecars},
		} {
			if c.have != c.want {
				t.Errorf("%s config %s = %d, types uses %d", name, c.key, c.want, c.have)
			}
		}
	}
}

// failingReader fails after its data, as a dropped connection does.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestDecodeFromTellsReaderFailuresFromBadInput(t *testing.T) {
	encoded := mustMarshal(t, sampleBlock())
	connReset := errors.New("connection reset")

	err := types.DecodeFrom(&failingReader{data: encoded[:100], err: connReset}, uint64(len(encoded)), new(types.SignedBeaconBlock))
	if !errors.Is(err, connReset) || errors.Is(err, types.ErrInvalidSSZ) {
		t.Fatalf("reader failure: %v", err)
	}
	err = types.DecodeFrom(bytes.NewReader(encoded[:100]), uint64(len(encoded)), new(types.SignedBeaconBlock))
	if !errors.Is(err, types.ErrInvalidSSZ) {
		t.Fatalf("short stream: %v", err)
	}
}

// TestLightClientBranchDepths ties the branch vector lengths to the generalized indices they prove:
// floorlog2(gindex).
func TestLightClientBranchDepths(t *testing.T) {
	for _, c := range []struct {
		name   string
		depth  int
		gindex uint64
	}{
		{"FinalityBranch", types.FinalityBranchDepth, uint64(types.FinalizedRootGindexElectra)},
		{"CurrentSyncCommitteeBranch", types.CurrentSyncCommitteeBranchDepth, uint64(types.CurrentSyncCommitteeGindexElectra)},
		{"NextSyncCommitteeBranch", types.NextSyncCommitteeBranchDepth, uint64(types.NextSyncCommitteeGindexElectra)},
		{"ExecutionBranch", types.ExecutionBranchDepth, uint64(types.ExecutionPayloadGindex)},
		{"KZGCommitmentsInclusionProof", params.KZGCommitmentsInclusionProofDepth, uint64(types.BlobKZGCommitmentsGindex)},
	} {
		if want := bits.Len64(c.gindex) - 1; c.depth != want {
			t.Errorf("%s: depth %d, floorlog2(%d) = %d", c.name, c.depth, c.gindex, want)
		}
	}
}
