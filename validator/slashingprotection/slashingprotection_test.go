package slashingprotection_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salamander-client/salamander/primitives"
	sp "github.com/salamander-client/salamander/validator/slashingprotection"
)

var (
	testGVR = primitives.Root{0x04, 0x70}
	alice   = primitives.BLSPubkey{0xa1}
	bob     = primitives.BLSPubkey{0xb0}
)

func openDB(t *testing.T) *sp.DB {
	t.Helper()
	db, err := sp.Open(filepath.Join(t.TempDir(), sp.FileName), sp.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.BindGenesisValidatorsRoot(testGVR); err != nil {
		t.Fatal(err)
	}
	return db
}

func root(n byte) primitives.Root { return primitives.Root{0xee, n} }

func block(pk primitives.BLSPubkey, slot primitives.Slot, r byte) sp.Block {
	return sp.Block{Pubkey: pk, Slot: slot, SigningRoot: root(r)}
}

func attestation(pk primitives.BLSPubkey, source, target primitives.Epoch, r byte) sp.Attestation {
	return sp.Attestation{Pubkey: pk, Source: source, Target: target, SigningRoot: root(r)}
}

func TestConflictingBlockRefused(t *testing.T) {
	db := openDB(t)
	if err := db.CheckAndRecordBlock(block(alice, 10, 1)); err != nil {
		t.Fatalf("first block: %v", err)
	}
	if err := db.CheckAndRecordBlock(block(alice, 10, 1)); err != nil {
		t.Fatalf("the same block again must be allowed: %v", err)
	}
	err := db.CheckAndRecordBlock(block(alice, 10, 2))
	if !errors.Is(err, sp.ErrSlashable) || !errors.Is(err, sp.ErrDoubleProposal) {
		t.Fatalf("another block at the slot: %v", err)
	}
	if err := db.CheckAndRecordBlock(block(alice, 9, 3)); !errors.Is(err, sp.ErrBelowLowerBound) {
		t.Fatalf("a block below the first one: %v", err)
	}
	if err := db.CheckAndRecordBlock(block(alice, 11, 4)); err != nil {
		t.Fatalf("the next slot: %v", err)
	}
	if err := db.CheckAndRecordBlock(block(bob, 10, 2)); err != nil {
		t.Fatalf("another validator at the same slot: %v", err)
	}
	if err := db.CheckAndRecordBlock(sp.Block{Pubkey: alice, Slot: 20}); err != nil {
		t.Fatalf("a block without a signing root: %v", err)
	}
	if err := db.CheckAndRecordBlock(sp.Block{Pubkey: alice, Slot: 20}); !errors.Is(err, sp.ErrDoubleProposal) {
		t.Fatalf("a block without a signing root cannot be repeated: %v", err)
	}
}

func TestVotes(t *testing.T) {
	for _, c := range []struct {
		name   string
		signed []sp.Attestation
		next   sp.Attestation
		want   error // nil: allowed
	}{
		{"double vote", []sp.Attestation{attestation(alice, 1, 2, 1)}, attestation(alice, 1, 2, 2), sp.ErrDoubleVote},
		{"double vote with another source", []sp.Attestation{attestation(alice, 1, 3, 1)}, attestation(alice, 2, 3, 2), sp.ErrDoubleVote},
		{"repeat", []sp.Attestation{attestation(alice, 1, 2, 1)}, attestation(alice, 1, 2, 1), nil},
		{"surrounding", []sp.Attestation{attestation(alice, 0, 1, 1), attestation(alice, 2, 3, 2)}, attestation(alice, 1, 4, 3), sp.ErrSurroundingVote},
		{"surrounded", []sp.Attestation{attestation(alice, 0, 1, 1), attestation(alice, 1, 5, 2)}, attestation(alice, 2, 4, 3), sp.ErrSurroundedVote},
		{"target below the earliest", []sp.Attestation{attestation(alice, 3, 5, 1)}, attestation(alice, 3, 4, 2), sp.ErrBelowLowerBound},
		{"source below the earliest", []sp.Attestation{attestation(alice, 3, 5, 1)}, attestation(alice, 2, 6, 2), sp.ErrBelowLowerBound},
		{"source after target", nil, attestation(alice, 5, 4, 1), sp.ErrInvalidAttestationEpochs},
		{"the next epoch", []sp.Attestation{attestation(alice, 1, 2, 1)}, attestation(alice, 2, 3, 2), nil},
		{"a skipped epoch", []sp.Attestation{attestation(alice, 1, 2, 1)}, attestation(alice, 1, 4, 2), nil},
		{"genesis votes", []sp.Attestation{attestation(alice, 0, 0, 1)}, attestation(alice, 0, 1, 2), nil},
		{"another validator", []sp.Attestation{attestation(bob, 2, 3, 1)}, attestation(alice, 1, 4, 2), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := openDB(t)
			for _, a := range c.signed {
				if err := db.CheckAndRecordAttestation(a); err != nil {
					t.Fatalf("history %+v: %v", a, err)
				}
			}
			err := db.CheckAndRecordAttestation(c.next)
			if c.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, c.want) || !errors.Is(err, sp.ErrSlashable) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			// A refusal records nothing: what was refused stays refused, and the history is unchanged.
			if err2 := db.CheckAndRecordAttestation(c.next); !errors.Is(err2, c.want) {
				t.Fatalf("second try: %v", err2)
			}
		})
	}
}

func TestBatchRecordsInOrder(t *testing.T) {
	db := openDB(t)
	verdicts, err := db.CheckAndRecordAttestations([]sp.Attestation{
		attestation(alice, 1, 2, 1),
		attestation(bob, 1, 2, 1),
		attestation(alice, 1, 2, 2), // conflicts with the first of the batch
		attestation(alice, 3, 4, 3),
		attestation(alice, 2, 5, 4), // surrounds the one before
	})
	if err != nil {
		t.Fatal(err)
	}
	if verdicts[0] != nil || verdicts[1] != nil || !errors.Is(verdicts[2], sp.ErrDoubleVote) || verdicts[3] != nil ||
		!errors.Is(verdicts[4], sp.ErrSurroundingVote) {
		t.Fatalf("verdicts %v", verdicts)
	}
}

func TestConcurrentSignersAgreeOnOneBlock(t *testing.T) {
	db := openDB(t)
	const signers = 16
	var wg sync.WaitGroup
	errs := make([]error, signers)
	for i := range signers {
		wg.Go(func() { errs[i] = db.CheckAndRecordBlock(block(alice, 7, byte(i+1))) })
	}
	wg.Wait()
	allowed := 0
	for _, err := range errs {
		if err == nil {
			allowed++
		} else if !errors.Is(err, sp.ErrDoubleProposal) {
			t.Fatal(err)
		}
	}
	if allowed != 1 {
		t.Fatalf("%d of %d conflicting blocks were allowed, want exactly 1", allowed, signers)
	}
}

func TestHistorySurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), sp.FileName)
	db, err := sp.Open(path, sp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.BindGenesisValidatorsRoot(testGVR); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckAndRecordAttestation(attestation(alice, 3, 4, 1)); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = sp.Open(path, sp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if err := db.CheckAndRecordAttestation(attestation(alice, 3, 4, 2)); !errors.Is(err, sp.ErrDoubleVote) {
		t.Fatalf("after a reopen: %v", err)
	}
	if err := db.BindGenesisValidatorsRoot(primitives.Root{9}); !errors.Is(err, sp.ErrWrongGenesisValidatorsRoot) {
		t.Fatalf("binding another chain: %v", err)
	}
}

func TestUnboundDatabaseRefusesToDecide(t *testing.T) {
	db, err := sp.Open(filepath.Join(t.TempDir(), sp.FileName), sp.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if err := db.CheckAndRecordBlock(block(alice, 1, 1)); !errors.Is(err, sp.ErrNoGenesisValidatorsRoot) {
		t.Fatalf("signing on an unbound database: %v", err)
	}
	if _, err := db.Export(); !errors.Is(err, sp.ErrNoGenesisValidatorsRoot) {
		t.Fatalf("exporting an unbound database: %v", err)
	}
	if _, ok, err := db.GenesisValidatorsRoot(); ok || err != nil {
		t.Fatalf("genesis validators root of an unbound database: %v %v", ok, err)
	}
}

func TestSecondProcessIsLockedOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), sp.FileName)
	db, err := sp.Open(path, sp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if _, err := sp.Open(path, sp.Options{LockTimeout: 50 * time.Millisecond}); !errors.Is(err, sp.ErrLocked) {
		t.Fatalf("a second open: %v", err)
	}
}

func TestForeignFileIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "not-a-db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("junk"), 2048), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sp.Open(path, sp.Options{}); !errors.Is(err, sp.ErrCorrupt) {
		t.Fatalf("a junk file: %v", err)
	}
}

func TestClosedDatabase(t *testing.T) {
	db := openDB(t)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckAndRecordBlock(block(alice, 1, 1)); !errors.Is(err, sp.ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	db := openDB(t)
	for _, b := range []sp.Block{block(alice, 3, 1), block(alice, 9, 2), {Pubkey: bob, Slot: 4}} {
		if err := db.CheckAndRecordBlock(b); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []sp.Attestation{attestation(alice, 0, 1, 1), attestation(alice, 1, 2, 2), attestation(bob, 0, 2, 3)} {
		if err := db.CheckAndRecordAttestation(a); err != nil {
			t.Fatal(err)
		}
	}
	exported, err := db.Export()
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	if err := exported.WriteJSON(&file); err != nil {
		t.Fatal(err)
	}
	// The file is EIP-3076 JSON: integers as strings, a missing root left out.
	var generic map[string]any
	if err := json.Unmarshal(file.Bytes(), &generic); err != nil {
		t.Fatal(err)
	}
	if v := generic["metadata"].(map[string]any)["interchange_format_version"]; v != "5" {
		t.Fatalf("version %v", v)
	}
	if !strings.Contains(file.String(), `"slot": "9"`) || strings.Count(file.String(), "signing_root") != 5 {
		t.Fatalf("exported JSON:\n%s", file.String())
	}

	parsed, err := sp.ReadInterchange(bytes.NewReader(file.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	other, err := sp.Open(filepath.Join(t.TempDir(), sp.FileName), sp.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Close() }()
	summary, err := other.Import(parsed)
	if err != nil {
		t.Fatal(err)
	}
	if summary != (sp.ImportSummary{Validators: 2, Blocks: 3, Attestations: 3}) {
		t.Fatalf("summary %+v", summary)
	}
	if gvr, ok, err := other.GenesisValidatorsRoot(); !ok || err != nil || gvr != testGVR {
		t.Fatalf("the import did not bind the chain: %x %v %v", gvr, ok, err)
	}
	again, err := other.Export()
	if err != nil {
		t.Fatal(err)
	}
	var second bytes.Buffer
	if err := again.WriteJSON(&second); err != nil {
		t.Fatal(err)
	}
	if second.String() != file.String() {
		t.Fatalf("round trip changed the history:\n%s\nvs\n%s", file.String(), second.String())
	}
	// The imported history protects as the original did.
	if err := other.CheckAndRecordBlock(block(alice, 9, 7)); !errors.Is(err, sp.ErrDoubleProposal) {
		t.Fatalf("after import: %v", err)
	}
	if err := other.CheckAndRecordAttestation(attestation(bob, 1, 3, 9)); err != nil {
		t.Fatalf("after import, a safe vote: %v", err)
	}

	// Export of some validators only.
	onlyBob, err := db.Export(bob, primitives.BLSPubkey{0x99})
	if err != nil || len(onlyBob.Validators) != 1 || onlyBob.Validators[0].Pubkey != bob {
		t.Fatalf("export of one validator: %+v %v", onlyBob, err)
	}
}

func TestImportRefusesAnotherChain(t *testing.T) {
	db := openDB(t)
	ic := &sp.Interchange{GenesisValidatorsRoot: primitives.Root{0x66},
		Validators: []sp.ValidatorHistory{{Pubkey: alice, Blocks: []sp.SignedBlock{{Slot: 5}}}}}
	if _, err := db.Import(ic); !errors.Is(err, sp.ErrWrongGenesisValidatorsRoot) {
		t.Fatalf("import of another chain: %v", err)
	}
	// Nothing was imported.
	if err := db.CheckAndRecordBlock(block(alice, 5, 1)); err != nil {
		t.Fatalf("after a refused import: %v", err)
	}
}

func TestReadInterchangeRefusesMalformedFiles(t *testing.T) {
	const gvr = `"0x0000000000000000000000000000000000000000000000000000000000000000"`
	const pk = `"0xa99a76ed7796f7be22d5b7e85deeb7c5677e88e511e0b337618f8c4eb61349b4bf2d153f649f7b53359fe8b94a38e44c"`
	for name, doc := range map[string]string{
		"not JSON":                  `{"metadata":`,
		"no metadata":               `{"data":[]}`,
		"version 4":                 `{"metadata":{"interchange_format_version":"4","genesis_validators_root":` + gvr + `},"data":[]}`,
		"short root":                `{"metadata":{"interchange_format_version":"5","genesis_validators_root":"0x1234"},"data":[]}`,
		"no 0x":                     `{"metadata":{"interchange_format_version":"5","genesis_validators_root":"` + strings.Repeat("00", 32) + `"},"data":[]}`,
		"no data":                   `{"metadata":{"interchange_format_version":"5","genesis_validators_root":` + gvr + `}}`,
		"bad pubkey":                `{"metadata":{"interchange_format_version":"5","genesis_validators_root":` + gvr + `},"data":[{"pubkey":"0xzz","signed_blocks":[],"signed_attestations":[]}]}`,
		"no signed_blocks":          `{"metadata":{"interchange_format_version":"5","genesis_validators_root":` + gvr + `},"data":[{"pubkey":` + pk + `,"signed_attestations":[]}]}`,
		"negative slot":             `{"metadata":{"interchange_format_version":"5","genesis_validators_root":` + gvr + `},"data":[{"pubkey":` + pk + `,"signed_blocks":[{"slot":"-1"}],"signed_attestations":[]}]}`,
		"a block without a slot":    `{"metadata":{"interchange_format_version":"5","genesis_validators_root":` + gvr + `},"data":[{"pubkey":` + pk + `,"signed_blocks":[{}],"signed_attestations":[]}]}`,
		"an attestation w/o target": `{"metadata":{"interchange_format_version":"5","genesis_validators_root":` + gvr + `},"data":[{"pubkey":` + pk + `,"signed_blocks":[],"signed_attestations":[{"source_epoch":"1"}]}]}`,
		"a bad signing root":        `{"metadata":{"interchange_format_version":"5","genesis_validators_root":` + gvr + `},"data":[{"pubkey":` + pk + `,"signed_blocks":[{"slot":"1","signing_root":"0x12"}],"signed_attestations":[]}]}`,
	} {
		if _, err := sp.ReadInterchange(strings.NewReader(doc)); !errors.Is(err, sp.ErrInvalidInterchange) {
			t.Errorf("%s: %v, want ErrInvalidInterchange", name, err)
		}
	}
	// Bare JSON numbers, which some tools write, are read.
	doc := `{"metadata":{"interchange_format_version":"5","genesis_validators_root":` + gvr + `},"data":[{"pubkey":` + pk +
		`,"signed_blocks":[{"slot":12}],"signed_attestations":[{"source_epoch":1,"target_epoch":"2"}]}]}`
	ic, err := sp.ReadInterchange(strings.NewReader(doc))
	if err != nil || ic.Validators[0].Blocks[0].Slot != 12 || ic.Validators[0].Attestations[0].Target != 2 {
		t.Fatalf("numbers: %+v %v", ic, err)
	}
}

// interchangeTest is a case in the format of the EIP-3076 interchange test suite (eth-clients/
// slashing-protection-interchange-tests): steps that each import an interchange into one database, then try
// signings. This database keeps the complete history, so the expected outcome is should_succeed_complete.
type interchangeTest struct {
	Name                  string `json:"name"`
	GenesisValidatorsRoot string `json:"genesis_validators_root"`
	Steps                 []struct {
		ShouldSucceed         bool            `json:"should_succeed"`
		ContainsSlashableData bool            `json:"contains_slashable_data"`
		Interchange           json.RawMessage `json:"interchange"`
		Blocks                []struct {
			Pubkey                string `json:"pubkey"`
			Slot                  uint64 `json:"slot,string"`
			SigningRoot           string `json:"signing_root"`
			ShouldSucceedComplete bool   `json:"should_succeed_complete"`
		} `json:"blocks"`
		Attestations []struct {
			Pubkey                string `json:"pubkey"`
			SourceEpoch           uint64 `json:"source_epoch,string"`
			TargetEpoch           uint64 `json:"target_epoch,string"`
			SigningRoot           string `json:"signing_root"`
			ShouldSucceedComplete bool   `json:"should_succeed_complete"`
		} `json:"attestations"`
	} `json:"steps"`
}

// TestInterchangeVectors runs the cases in testdata/interchange, written for this package in the suite's format
// from EIP-3076's conditions (the suite itself is not vendored).
func TestInterchangeVectors(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "interchange", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors: %v", err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var tc interchangeTest
		if err := json.Unmarshal(raw, &tc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		t.Run(tc.Name, func(t *testing.T) {
			db, err := sp.Open(filepath.Join(t.TempDir(), sp.FileName), sp.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = db.Close() }()
			for i, step := range tc.Steps {
				ic, err := sp.ReadInterchange(bytes.NewReader(step.Interchange))
				if err == nil {
					_, err = db.Import(ic)
				}
				if step.ShouldSucceed != (err == nil) {
					t.Fatalf("step %d: import: %v, want success %v", i, err, step.ShouldSucceed)
				}
				for j, b := range step.Blocks {
					err := db.CheckAndRecordBlock(sp.Block{Pubkey: hexPubkey(t, b.Pubkey), Slot: primitives.Slot(b.Slot),
						SigningRoot: hexRoot(t, b.SigningRoot)})
					if (err == nil) != b.ShouldSucceedComplete {
						t.Errorf("step %d block %d (slot %d): %v, want success %v", i, j, b.Slot, err, b.ShouldSucceedComplete)
					}
					if err != nil && !errors.Is(err, sp.ErrSlashable) {
						t.Errorf("step %d block %d: not a refusal: %v", i, j, err)
					}
				}
				for j, a := range step.Attestations {
					err := db.CheckAndRecordAttestation(sp.Attestation{Pubkey: hexPubkey(t, a.Pubkey),
						Source: primitives.Epoch(a.SourceEpoch), Target: primitives.Epoch(a.TargetEpoch),
						SigningRoot: hexRoot(t, a.SigningRoot)})
					if (err == nil) != a.ShouldSucceedComplete {
						t.Errorf("step %d attestation %d (%d -> %d): %v, want success %v", i, j, a.SourceEpoch,
							a.TargetEpoch, err, a.ShouldSucceedComplete)
					}
				}
			}
		})
	}
}

func hexPubkey(t *testing.T, s string) (pk primitives.BLSPubkey) {
	t.Helper()
	decodeHex(t, s, pk[:])
	return pk
}

func hexRoot(t *testing.T, s string) (r primitives.Root) {
	t.Helper()
	decodeHex(t, s, r[:])
	return r
}

func decodeHex(t *testing.T, s string, out []byte) {
	t.Helper()
	raw, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(raw) != len(out) {
		t.Fatalf("hex %q: %v", s, err)
	}
	copy(out, raw)
}

// BenchmarkCheckAndRecordAttestation measures one attestation's check and record against a year of history
// (82,125 epochs' attestations of one validator), without fsync: the scan for surrounds is the cost that grows.
func BenchmarkCheckAndRecordAttestation(b *testing.B) {
	db, err := sp.Open(filepath.Join(b.TempDir(), sp.FileName), sp.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if err := db.BindGenesisValidatorsRoot(testGVR); err != nil {
		b.Fatal(err)
	}
	const history = 82_125
	batch := make([]sp.Attestation, 0, 1000)
	for e := primitives.Epoch(1); e <= history; e++ {
		batch = append(batch, attestation(alice, e-1, e, byte(e)))
		if len(batch) == cap(batch) || e == history {
			if _, err := db.CheckAndRecordAttestations(batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	target := primitives.Epoch(history)
	for b.Loop() {
		target++
		if err := db.CheckAndRecordAttestation(attestation(alice, target-1, target, 1)); err != nil {
			b.Fatal(err)
		}
	}
}
