package slashingprotection

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/salamander-client/salamander/primitives"
)

// InterchangeFormatVersion is the version of EIP-3076's interchange format this package reads and writes.
const InterchangeFormatVersion = "5"

// maxInterchangeSize bounds the JSON read by ReadInterchange: a complete history of a large operator's validators
// over years is well below it, and it keeps a wrong file from eating the memory.
const maxInterchangeSize = 1 << 30

// Interchange is an EIP-3076 interchange: the signing history of some validators on one chain.
type Interchange struct {
	GenesisValidatorsRoot primitives.Root
	Validators            []ValidatorHistory
}

// ValidatorHistory is one validator's entry of an interchange. A validator may appear in several entries; their
// messages add up.
type ValidatorHistory struct {
	Pubkey       primitives.BLSPubkey
	Blocks       []SignedBlock
	Attestations []SignedAttestation
}

// SignedBlock is a block the validator signed. A nil SigningRoot means it is not known: every block at Slot is
// then treated as different.
type SignedBlock struct {
	Slot        primitives.Slot
	SigningRoot *primitives.Root
}

// SignedAttestation is an attestation the validator signed; a nil SigningRoot means it is not known.
type SignedAttestation struct {
	Source, Target primitives.Epoch
	SigningRoot    *primitives.Root
}

// The interchange's JSON, as EIP-3076's schema spells it: integers as decimal strings, bytes as 0x-prefixed hex.
type (
	interchangeJSON struct {
		Metadata *metadataJSON `json:"metadata"`
		Data     []recordJSON  `json:"data"`
	}
	metadataJSON struct {
		InterchangeFormatVersion string `json:"interchange_format_version"`
		GenesisValidatorsRoot    string `json:"genesis_validators_root"`
	}
	recordJSON struct {
		Pubkey             string            `json:"pubkey"`
		SignedBlocks       []blockJSON       `json:"signed_blocks"`
		SignedAttestations []attestationJSON `json:"signed_attestations"`
	}
	blockJSON struct {
		Slot        *decimal `json:"slot"`
		SigningRoot string   `json:"signing_root,omitempty"`
	}
	attestationJSON struct {
		SourceEpoch *decimal `json:"source_epoch"`
		TargetEpoch *decimal `json:"target_epoch"`
		SigningRoot string   `json:"signing_root,omitempty"`
	}
)

// decimal is a uint64 written as a decimal string. Reading also takes a bare JSON number, which some tools write.
type decimal uint64

func (d decimal) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.FormatUint(uint64(d), 10) + `"`), nil
}

func (d *decimal) UnmarshalJSON(b []byte) error {
	text := strings.TrimSuffix(strings.TrimPrefix(string(b), `"`), `"`)
	n, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return fmt.Errorf("want an unsigned decimal integer, have %s", b)
	}
	*d = decimal(n)
	return nil
}

// ReadInterchange parses and checks an interchange. Anything that is not EIP-3076 version 5, with every value
// well formed, is ErrInvalidInterchange naming what is wrong.
func ReadInterchange(r io.Reader) (*Interchange, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxInterchangeSize+1))
	if err != nil {
		return nil, fmt.Errorf("read interchange: %w", err)
	}
	if len(raw) > maxInterchangeSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalidInterchange, maxInterchangeSize)
	}
	var doc interchangeJSON
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidInterchange, err)
	}
	if doc.Metadata == nil {
		return nil, fmt.Errorf("%w: no metadata", ErrInvalidInterchange)
	}
	if v := doc.Metadata.InterchangeFormatVersion; v != InterchangeFormatVersion {
		return nil, fmt.Errorf("%w: interchange_format_version %q, want %q", ErrInvalidInterchange, v, InterchangeFormatVersion)
	}
	ic := &Interchange{Validators: make([]ValidatorHistory, 0, len(doc.Data))}
	if err := parseHex(doc.Metadata.GenesisValidatorsRoot, ic.GenesisValidatorsRoot[:]); err != nil {
		return nil, fmt.Errorf("%w: genesis_validators_root: %w", ErrInvalidInterchange, err)
	}
	if doc.Data == nil {
		return nil, fmt.Errorf("%w: no data", ErrInvalidInterchange)
	}
	for i, record := range doc.Data {
		history, err := record.parse()
		if err != nil {
			return nil, fmt.Errorf("%w: data[%d]: %w", ErrInvalidInterchange, i, err)
		}
		ic.Validators = append(ic.Validators, history)
	}
	return ic, nil
}

func (r recordJSON) parse() (ValidatorHistory, error) {
	var h ValidatorHistory
	if err := parseHex(r.Pubkey, h.Pubkey[:]); err != nil {
		return h, fmt.Errorf("pubkey: %w", err)
	}
	if r.SignedBlocks == nil || r.SignedAttestations == nil {
		return h, fmt.Errorf("validator %s: signed_blocks and signed_attestations are required", r.Pubkey)
	}
	for i, b := range r.SignedBlocks {
		if b.Slot == nil {
			return h, fmt.Errorf("signed_blocks[%d]: no slot", i)
		}
		root, err := optionalRoot(b.SigningRoot)
		if err != nil {
			return h, fmt.Errorf("signed_blocks[%d].signing_root: %w", i, err)
		}
		h.Blocks = append(h.Blocks, SignedBlock{Slot: primitives.Slot(*b.Slot), SigningRoot: root})
	}
	for i, a := range r.SignedAttestations {
		if a.SourceEpoch == nil || a.TargetEpoch == nil {
			return h, fmt.Errorf("signed_attestations[%d]: source_epoch and target_epoch are required", i)
		}
		root, err := optionalRoot(a.SigningRoot)
		if err != nil {
			return h, fmt.Errorf("signed_attestations[%d].signing_root: %w", i, err)
		}
		h.Attestations = append(h.Attestations, SignedAttestation{Source: primitives.Epoch(*a.SourceEpoch),
			Target: primitives.Epoch(*a.TargetEpoch), SigningRoot: root})
	}
	return h, nil
}

func parseHex(s string, out []byte) error {
	digits, ok := strings.CutPrefix(s, "0x")
	if !ok {
		return fmt.Errorf("want 0x-prefixed hex, have %q", s)
	}
	if len(digits) != 2*len(out) {
		return fmt.Errorf("want %d bytes, have %q", len(out), s)
	}
	if _, err := hex.Decode(out, []byte(digits)); err != nil {
		return fmt.Errorf("want hex, have %q", s)
	}
	return nil
}

func optionalRoot(s string) (*primitives.Root, error) {
	if s == "" {
		return nil, nil
	}
	var root primitives.Root
	if err := parseHex(s, root[:]); err != nil {
		return nil, err
	}
	return &root, nil
}

// WriteJSON writes the interchange in EIP-3076's JSON, indented.
func (ic *Interchange) WriteJSON(w io.Writer) error {
	doc := interchangeJSON{
		Metadata: &metadataJSON{InterchangeFormatVersion: InterchangeFormatVersion,
			GenesisValidatorsRoot: "0x" + hex.EncodeToString(ic.GenesisValidatorsRoot[:])},
		Data: make([]recordJSON, 0, len(ic.Validators)),
	}
	for _, h := range ic.Validators {
		record := recordJSON{Pubkey: "0x" + hex.EncodeToString(h.Pubkey[:]),
			SignedBlocks: make([]blockJSON, 0, len(h.Blocks)), SignedAttestations: make([]attestationJSON, 0, len(h.Attestations))}
		for _, b := range h.Blocks {
			slot := decimal(b.Slot)
			record.SignedBlocks = append(record.SignedBlocks, blockJSON{Slot: &slot, SigningRoot: rootHex(b.SigningRoot)})
		}
		for _, a := range h.Attestations {
			source, target := decimal(a.Source), decimal(a.Target)
			record.SignedAttestations = append(record.SignedAttestations, attestationJSON{SourceEpoch: &source,
				TargetEpoch: &target, SigningRoot: rootHex(a.SigningRoot)})
		}
		doc.Data = append(doc.Data, record)
	}
	encoder := json.NewEncoder(w)
	encoder.SetIndent("", "  ")
	if err := encoder.Encode(doc); err != nil {
		return fmt.Errorf("write interchange: %w", err)
	}
	return nil
}

func rootHex(root *primitives.Root) string {
	if root == nil {
		return ""
	}
	return "0x" + hex.EncodeToString(root[:])
}

// ImportSummary counts what an import brought.
type ImportSummary struct {
	Validators, Blocks, Attestations int
}

// Import merges ic into the database, in one transaction: on error nothing is imported. The database must belong
// to ic's chain; one bound to no chain yet is bound to it. Messages that conflict with recorded ones (or with each
// other) are imported too, as what they are: evidence that the validator signed both, which refuses every new
// message there. The validators' low watermarks rise to the earliest imported slot, source and target; see the
// package documentation.
func (db *DB) Import(ic *Interchange) (ImportSummary, error) {
	var summary ImportSummary
	err := db.update(func(tx *bbolt.Tx) error {
		summary = ImportSummary{}
		if err := bindGenesisValidatorsRoot(tx, ic.GenesisValidatorsRoot); err != nil {
			return err
		}
		// Entries of one validator are one history: its watermarks are its earliest messages over all of them.
		var order []primitives.BLSPubkey
		merged := make(map[primitives.BLSPubkey]*ValidatorHistory)
		for _, h := range ic.Validators {
			m, ok := merged[h.Pubkey]
			if !ok {
				m = &ValidatorHistory{Pubkey: h.Pubkey}
				merged[h.Pubkey] = m
				order = append(order, h.Pubkey)
			}
			m.Blocks = append(m.Blocks, h.Blocks...)
			m.Attestations = append(m.Attestations, h.Attestations...)
		}
		for _, pubkey := range order {
			h := merged[pubkey]
			if err := importHistory(tx, *h); err != nil {
				return fmt.Errorf("validator %#x: %w", pubkey, err)
			}
			summary.Validators++
			summary.Blocks += len(h.Blocks)
			summary.Attestations += len(h.Attestations)
		}
		return nil
	})
	if err != nil {
		return ImportSummary{}, fmt.Errorf("import slashing protection interchange: %w", err)
	}
	return summary, nil
}

func importHistory(tx *bbolt.Tx, h ValidatorHistory) error {
	v, err := validatorBucket(tx, h.Pubkey)
	if err != nil {
		return err
	}
	blocks, attestations := v.Bucket(bucketBlocks), v.Bucket(bucketAttestations)
	for _, b := range h.Blocks {
		if err := mergeRecord(blocks, encodeUint64(uint64(b.Slot)), b.SigningRoot); err != nil {
			return err
		}
	}
	if len(h.Blocks) > 0 {
		lowest := h.Blocks[0].Slot
		for _, b := range h.Blocks {
			lowest = min(lowest, b.Slot)
		}
		if err := raiseWatermark(v, keyLowSlot, uint64(lowest)); err != nil {
			return err
		}
		if err := pruneBlocksBelowWatermark(v, blocks); err != nil {
			return err
		}
	}
	if len(h.Attestations) == 0 {
		return nil
	}
	lowSource, lowTarget := h.Attestations[0].Source, h.Attestations[0].Target
	for _, a := range h.Attestations {
		if err := mergeRecord(attestations, attestationKeyOf(a.Target, a.Source), a.SigningRoot); err != nil {
			return err
		}
		lowSource, lowTarget = min(lowSource, a.Source), min(lowTarget, a.Target)
	}
	if err := raiseWatermark(v, keyLowSource, uint64(lowSource)); err != nil {
		return err
	}
	if err := raiseWatermark(v, keyLowTarget, uint64(lowTarget)); err != nil {
		return err
	}
	if err := pruneIrrelevantAttestations(v, attestations); err != nil {
		return err
	}
	return summarizeAttestations(v, attestations)
}

// mergeRecord records a signed message at key. A message already recorded with another (or an unknown) signing
// root keeps no root: the validator signed two messages there, and neither may be repeated.
func mergeRecord(bucket *bbolt.Bucket, key []byte, root *primitives.Root) error {
	value := []byte{}
	if root != nil {
		value = rootValue(*root)
	}
	if recorded := bucket.Get(key); recorded != nil && !bytes.Equal(recorded, value) {
		value = []byte{}
	}
	return bucket.Put(key, value)
}

// pruneBlocksBelowWatermark deletes the blocks below the low watermark: signing at or below it is refused anyway,
// and keeping them would let an export claim a history without the gap above them (EIP-3076's advice for complete
// databases: the import's oldest messages become the oldest in the database).
func pruneBlocksBelowWatermark(v, blocks *bbolt.Bucket) error {
	low, _, err := watermark(v, keyLowSlot)
	if err != nil {
		return err
	}
	c := blocks.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.First() {
		slot, err := decodeUint64(k)
		if err != nil {
			return err
		}
		if slot >= low {
			return nil
		}
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// pruneIrrelevantAttestations deletes the attestations that no attestation allowed by the watermarks can conflict
// with: those with both their source and their target below the watermarks. One with a source at or above the low
// source could still be surrounded by a new one, so it stays.
func pruneIrrelevantAttestations(v, attestations *bbolt.Bucket) error {
	lowSource, _, err := watermark(v, keyLowSource)
	if err != nil {
		return err
	}
	lowTarget, _, err := watermark(v, keyLowTarget)
	if err != nil {
		return err
	}
	var stale [][]byte
	c := attestations.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		target, source, err := attestationKey(k)
		if err != nil {
			return err
		}
		if target >= lowTarget {
			break
		}
		if source < lowSource {
			stale = append(stale, append([]byte{}, k...))
		}
	}
	for _, k := range stale {
		if err := attestations.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Export returns the signing history of the validators with the given public keys, or of every validator the
// database knows when none is given, in the complete format: every recorded block and attestation, in slot and
// epoch order. Export while no validator signs with the database (EIP-3076 advice), so that the file is the whole
// history.
func (db *DB) Export(pubkeys ...primitives.BLSPubkey) (*Interchange, error) {
	ic := &Interchange{}
	err := db.view(func(tx *bbolt.Tx) error {
		root, ok, err := genesisValidatorsRoot(tx)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNoGenesisValidatorsRoot
		}
		ic.GenesisValidatorsRoot = root
		validators := tx.Bucket(bucketValidators)
		if len(pubkeys) == 0 {
			return validators.ForEachBucket(func(k []byte) error {
				h, err := exportHistory(validators.Bucket(k), primitives.BLSPubkey(k))
				if err == nil {
					ic.Validators = append(ic.Validators, h)
				}
				return err
			})
		}
		for _, pubkey := range pubkeys {
			v := validators.Bucket(pubkey[:])
			if v == nil {
				continue
			}
			h, err := exportHistory(v, pubkey)
			if err != nil {
				return err
			}
			ic.Validators = append(ic.Validators, h)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("export slashing protection: %w", err)
	}
	return ic, nil
}

func exportHistory(v *bbolt.Bucket, pubkey primitives.BLSPubkey) (ValidatorHistory, error) {
	h := ValidatorHistory{Pubkey: pubkey, Blocks: []SignedBlock{}, Attestations: []SignedAttestation{}}
	if len(pubkey) != len(primitives.BLSPubkey{}) || v == nil {
		return h, fmt.Errorf("%w: validator record", ErrCorrupt)
	}
	if blocks := v.Bucket(bucketBlocks); blocks != nil {
		if err := blocks.ForEach(func(k, value []byte) error {
			slot, err := decodeUint64(k)
			if err != nil {
				return err
			}
			h.Blocks = append(h.Blocks, SignedBlock{Slot: primitives.Slot(slot), SigningRoot: recordedRoot(value)})
			return nil
		}); err != nil {
			return h, err
		}
	}
	if attestations := v.Bucket(bucketAttestations); attestations != nil {
		if err := attestations.ForEach(func(k, value []byte) error {
			target, source, err := attestationKey(k)
			if err != nil {
				return err
			}
			h.Attestations = append(h.Attestations, SignedAttestation{Source: primitives.Epoch(source),
				Target: primitives.Epoch(target), SigningRoot: recordedRoot(value)})
			return nil
		}); err != nil {
			return h, err
		}
	}
	return h, nil
}

func recordedRoot(value []byte) *primitives.Root {
	if len(value) != 32 {
		return nil
	}
	root := primitives.Root(value)
	return &root
}
