package gossip

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/prysmaticlabs/go-bitfield"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// Result is a gossipsub extended-validator verdict.
type Result uint8

const (
	Accept Result = iota // valid: deliver and forward
	Ignore               // not forwarded, no penalty: a duplicate, too old, or not checkable yet
	Reject               // invalid: not forwarded, and the sender's gossipsub score drops
)

func (r Result) String() string {
	switch r {
	case Accept:
		return "accept"
	case Ignore:
		return "ignore"
	case Reject:
		return "reject"
	}
	return "unknown"
}

// Sentinels of validation failures; a Checked's Err wraps one.
var (
	ErrWrongDigest    = errors.New("topic of another fork digest")
	ErrMalformed      = errors.New("malformed message")
	ErrFuture         = errors.New("message from a future slot")
	ErrTooOld         = errors.New("message outside its slot window")
	ErrInvalid        = errors.New("invalid message")
	ErrBadSignature   = errors.New("invalid signature")
	ErrDuplicate      = errors.New("already seen")
	ErrNeedsChain     = errors.New("needs chain state")
	ErrWrongSubnet    = errors.New("message on the wrong subnet")
	ErrUnknownPubkey  = errors.New("signer's public key unknown")
	ErrNotImplemented = errors.New("check not implemented")
)

// Pubkeys resolves validator indices to public keys; the validator registry of a recent state. Lookups must be
// safe for concurrent use.
type Pubkeys interface {
	Pubkey(index primitives.ValidatorIndex) (*bls.PublicKey, bool)
}

// Checked is the outcome of the stateless checks of one message: either decided (Reject or Ignore), or passed,
// with the signatures left to verify (in a batch with others) and the chain checks left to the chain actors.
type Checked struct {
	Topic   Topic
	SSZ     []byte
	Decided bool
	Result  Result
	Err     error
	Sets    []bls.SignatureSet // signatures to verify before the message counts as seen
	seen    seenKey
	agg     *aggregateBits // an aggregate's participants, recorded once the chain accepts it
	// slashed are an attester slashing's slashable indices, recorded as seen once the chain accepts it, at slot
	// at: an invalid slashing must not shut out a valid one of the same validators.
	slashed []primitives.ValidatorIndex
	at      primitives.Slot
}

// aggregateKey names the aggregates of one attestation data and committee, whose participants the spec's superset
// rule compares.
type aggregateKey struct {
	data      primitives.Root
	committee primitives.CommitteeIndex
}

type aggregateBits struct {
	key  aggregateKey
	bits bitfield.Bitlist
	slot primitives.Slot
}

func decided(r Result, err error) Checked { return Checked{Decided: true, Result: r, Err: err} }

// Validator runs the spec's stateless gossip checks: decoding and sizes, topic and subnet, slot windows, fork
// digest, duplicate caches and signatures whose keys it knows. It is not safe for concurrent use: the gossip actor
// owns it.
type Validator struct {
	spec    *params.Spec
	gvr     primitives.Root
	genesis time.Time
	pubkeys Pubkeys
	seen    map[seenKey]primitives.Slot
	lastGC  primitives.Slot
	// aggregates holds the participants of the aggregates the chain accepted, by data and committee.
	aggregates map[aggregateKey][]aggregateBits
}

// NewValidator returns a validator for the chain with genesis validators root gvr that started at genesis.
func NewValidator(spec *params.Spec, gvr primitives.Root, genesis time.Time, pubkeys Pubkeys) *Validator {
	return &Validator{spec: spec, gvr: gvr, genesis: genesis, pubkeys: pubkeys, seen: map[seenKey]primitives.Slot{},
		aggregates: map[aggregateKey][]aggregateBits{}}
}

// seenKey identifies what the spec's "first valid message for ..." rules count.
type seenKey struct {
	kind    Kind
	a, b, c uint64
}

// slotAt returns the slot at t, and whether t is at or after genesis.
func (v *Validator) slotAt(t time.Time) (primitives.Slot, bool) {
	if t.Before(v.genesis) {
		return 0, false
	}
	return primitives.Slot(t.Sub(v.genesis) / v.spec.SlotDuration), true
}

// slotWindow reports whether now (with MAXIMUM_GOSSIP_CLOCK_DISPARITY either way) falls in [from, to] slots.
func (v *Validator) slotWindow(now time.Time, from, to primitives.Slot) (future, past bool) {
	d := v.spec.MaximumGossipClockDisparity
	late, lateOK := v.slotAt(now.Add(d))
	early, earlyOK := v.slotAt(now.Add(-d))
	future = !lateOK || late < from
	past = earlyOK && early > to
	return future, past
}

func (v *Validator) epochOf(s primitives.Slot) primitives.Epoch {
	return primitives.Epoch(uint64(s) / v.spec.SlotsPerEpoch)
}

func (v *Validator) domain(t primitives.DomainType, version primitives.Version) primitives.Domain {
	return params.ComputeDomain(t, version, v.gvr)
}

// signatureSet builds the set for a signature by validator index over an object root; ok is false when the key is
// unknown; err is set for a signature that is not a valid point.
func (v *Validator) signatureSet(index primitives.ValidatorIndex, root primitives.Root, dom primitives.Domain,
	sig primitives.BLSSignature) (bls.SignatureSet, bool, error) {
	if v.pubkeys == nil {
		return bls.SignatureSet{}, false, nil
	}
	pk, ok := v.pubkeys.Pubkey(index)
	if !ok {
		return bls.SignatureSet{}, false, nil
	}
	s, err := bls.SignatureFromBytes(sig[:])
	if err != nil {
		return bls.SignatureSet{}, false, fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	msg := params.ComputeSigningRoot(root, dom)
	return bls.SignatureSet{PublicKey: pk, Message: msg[:], Signature: s}, true, nil
}

// Check runs the stateless checks on a message received on topic at now. digest is this node's current fork
// digest.
func (v *Validator) Check(topic string, data []byte, digest primitives.ForkDigest, now time.Time) Checked {
	t, err := ParseTopic(v.spec, topic)
	if err != nil {
		return decided(Reject, err)
	}
	if t.Digest != digest {
		return decided(Ignore, fmt.Errorf("%w: %s", ErrWrongDigest, topic))
	}
	if uint64(len(data)) > maxCompressed(v.spec) {
		return decided(Reject, fmt.Errorf("%w: %d compressed bytes", ErrTooLarge, len(data)))
	}
	ssz, err := decodeSnappy(data, v.spec.MaxPayloadSize)
	if err != nil {
		return decided(Reject, fmt.Errorf("%w: %w", ErrMalformed, err))
	}
	c := v.check(t, ssz, now)
	c.Topic, c.SSZ = t, ssz
	return c
}

func maxCompressed(spec *params.Spec) uint64 {
	n := spec.MaxPayloadSize
	return 32 + n + n/6
}

func (v *Validator) check(t Topic, ssz []byte, now time.Time) Checked {
	switch t.Kind {
	case BeaconBlock:
		return v.checkBlock(ssz, now)
	case BeaconAttestation:
		return v.checkAttestation(t, ssz, now)
	case BeaconAggregateAndProof:
		return v.checkAggregate(ssz, now)
	case VoluntaryExit:
		return v.checkExit(ssz)
	case ProposerSlashing:
		return v.checkProposerSlashing(ssz)
	case AttesterSlashing:
		return v.checkAttesterSlashing(ssz, now)
	case SyncCommittee:
		return v.checkSyncMessage(t, ssz, now)
	case SyncCommitteeContributionAndProof:
		return v.checkContribution(ssz, now)
	case BLSToExecutionChange:
		return v.checkBLSChange(ssz)
	case DataColumnSidecar:
		return v.checkSidecar(t, ssz, now)
	case LightClientFinalityUpdate:
		var u types.LightClientFinalityUpdate
		if err := types.Unmarshal(ssz, &u); err != nil {
			return decided(Reject, fmt.Errorf("%w: %w", ErrMalformed, err))
		}
		return Checked{}
	case LightClientOptimisticUpdate:
		var u types.LightClientOptimisticUpdate
		if err := types.Unmarshal(ssz, &u); err != nil {
			return decided(Reject, fmt.Errorf("%w: %w", ErrMalformed, err))
		}
		return Checked{}
	}
	return decided(Reject, ErrUnknownTopic)
}

func malformed(err error) Checked { return decided(Reject, fmt.Errorf("%w: %w", ErrMalformed, err)) }

func (v *Validator) checkBlock(ssz []byte, now time.Time) Checked {
	var b types.SignedBeaconBlock
	if err := types.Unmarshal(ssz, &b); err != nil {
		return malformed(err)
	}
	m := b.Message
	// [IGNORE] The block is not from a future slot: slot <= current_slot, with the disparity allowance.
	if future, _ := v.slotWindow(now, m.Slot, m.Slot); future {
		return decided(Ignore, fmt.Errorf("%w: block at slot %d", ErrFuture, m.Slot))
	}
	key := seenKey{kind: BeaconBlock, a: uint64(m.ProposerIndex), b: uint64(m.Slot)}
	if _, dup := v.seen[key]; dup {
		return decided(Ignore, fmt.Errorf("%w: a block of proposer %d at slot %d", ErrDuplicate, m.ProposerIndex, m.Slot))
	}
	epoch := v.epochOf(m.Slot)
	if maxBlobs := v.spec.GetBlobParameters(epoch).MaxBlobsPerBlock; uint64(len(m.Body.BlobKZGCommitments)) > maxBlobs {
		return decided(Reject, fmt.Errorf("%w: %d blob commitments, max %d", ErrInvalid, len(m.Body.BlobKZGCommitments), maxBlobs))
	}
	c := Checked{seen: key}
	set, ok, err := v.signatureSet(m.ProposerIndex, types.HashTreeRoot(m),
		v.domain(params.DomainBeaconProposer, v.spec.ComputeForkVersion(epoch)), b.Signature)
	if err != nil {
		return decided(Reject, err)
	}
	if ok {
		c.Sets = append(c.Sets, set)
	}
	return c
}

func (v *Validator) checkAttestationData(d *types.AttestationData, now time.Time) *Checked {
	// [IGNORE] data.slot <= current_slot, and data.slot's epoch is the current or the previous one, each with a
	// MAXIMUM_GOSSIP_CLOCK_DISPARITY allowance: Deneb's EIP-7045 window, which replaced phase0's
	// ATTESTATION_PROPAGATION_SLOT_RANGE and reaches up to two epochs back.
	if future, _ := v.slotWindow(now, d.Slot, d.Slot); future {
		c := decided(Ignore, fmt.Errorf("%w: attestation for slot %d", ErrFuture, d.Slot))
		return &c
	}
	if early, ok := v.slotAt(now.Add(-v.spec.MaximumGossipClockDisparity)); ok && v.epochOf(early) > v.epochOf(d.Slot)+1 {
		c := decided(Ignore, fmt.Errorf("%w: attestation for slot %d in epoch %d", ErrTooOld, d.Slot, v.epochOf(early)))
		return &c
	}
	if d.Target.Epoch != v.epochOf(d.Slot) {
		c := decided(Reject, fmt.Errorf("%w: target epoch %d for slot %d", ErrInvalid, d.Target.Epoch, d.Slot))
		return &c
	}
	if d.Index != 0 {
		c := decided(Reject, fmt.Errorf("%w: data.index %d, want 0", ErrInvalid, d.Index))
		return &c
	}
	return nil
}

func (v *Validator) checkAttestation(t Topic, ssz []byte, now time.Time) Checked {
	var a types.SingleAttestation
	if err := types.Unmarshal(ssz, &a); err != nil {
		return malformed(err)
	}
	if c := v.checkAttestationData(a.Data, now); c != nil {
		return *c
	}
	if a.CommitteeIndex >= params.MaxCommitteesPerSlot {
		return decided(Reject, fmt.Errorf("%w: committee index %d", ErrInvalid, a.CommitteeIndex))
	}
	key := seenKey{kind: BeaconAttestation, a: uint64(a.Data.Target.Epoch), b: uint64(a.AttesterIndex)}
	if _, dup := v.seen[key]; dup {
		return decided(Ignore, fmt.Errorf("%w: attester %d in epoch %d", ErrDuplicate, a.AttesterIndex, a.Data.Target.Epoch))
	}
	c := Checked{seen: key}
	set, ok, err := v.signatureSet(a.AttesterIndex, types.HashTreeRoot(a.Data),
		v.domain(params.DomainBeaconAttester, v.spec.ComputeForkVersion(a.Data.Target.Epoch)), a.Signature)
	if err != nil {
		return decided(Reject, err)
	}
	if ok {
		c.Sets = append(c.Sets, set)
	}
	return c
}

func (v *Validator) checkAggregate(ssz []byte, now time.Time) Checked {
	var sa types.SignedAggregateAndProof
	if err := types.Unmarshal(ssz, &sa); err != nil {
		return malformed(err)
	}
	agg := sa.Message.Aggregate
	if c := v.checkAttestationData(agg.Data, now); c != nil {
		return *c
	}
	committees := 0
	for _, b := range agg.CommitteeBits {
		for ; b != 0; b &= b - 1 {
			committees++
		}
	}
	if committees != 1 {
		return decided(Reject, fmt.Errorf("%w: aggregate of %d committees", ErrInvalid, committees))
	}
	if agg.AggregationBits.Count() == 0 {
		return decided(Reject, fmt.Errorf("%w: aggregate without participants", ErrInvalid))
	}
	key := seenKey{kind: BeaconAggregateAndProof, a: uint64(sa.Message.AggregatorIndex), b: uint64(agg.Data.Target.Epoch)}
	if _, dup := v.seen[key]; dup {
		return decided(Ignore, fmt.Errorf("%w: aggregator %d in epoch %d", ErrDuplicate, sa.Message.AggregatorIndex, agg.Data.Target.Epoch))
	}
	// [IGNORE] A valid aggregate of the same data whose aggregation_bits are a non-strict superset was not seen.
	bits := &aggregateBits{key: aggregateKey{data: types.HashTreeRoot(agg.Data), committee: helpers.GetCommitteeIndices(agg.CommitteeBits)[0]},
		bits: agg.AggregationBits, slot: agg.Data.Slot}
	for _, seen := range v.aggregates[bits.key] {
		if covered, err := seen.bits.Contains(bits.bits); err == nil && covered {
			return decided(Ignore, fmt.Errorf("%w: an aggregate of the same data with these participants", ErrDuplicate))
		}
	}
	c := Checked{seen: key, agg: bits}
	epoch := agg.Data.Target.Epoch
	version := v.spec.ComputeForkVersion(epoch)
	var slotRoot primitives.Root // hash_tree_root(Slot): the slot little-endian, zero-padded
	binary.LittleEndian.PutUint64(slotRoot[:8], uint64(agg.Data.Slot))
	for _, s := range []struct {
		root primitives.Root
		dom  primitives.DomainType
		sig  primitives.BLSSignature
	}{
		{slotRoot, params.DomainSelectionProof, sa.Message.SelectionProof},
		{types.HashTreeRoot(sa.Message), params.DomainAggregateAndProof, sa.Signature},
	} {
		set, ok, err := v.signatureSet(sa.Message.AggregatorIndex, s.root, v.domain(s.dom, version), s.sig)
		if err != nil {
			return decided(Reject, err)
		}
		if ok {
			c.Sets = append(c.Sets, set)
		}
	}
	return c
}

func (v *Validator) checkExit(ssz []byte) Checked {
	var e types.SignedVoluntaryExit
	if err := types.Unmarshal(ssz, &e); err != nil {
		return malformed(err)
	}
	key := seenKey{kind: VoluntaryExit, a: uint64(e.Message.ValidatorIndex)}
	if _, dup := v.seen[key]; dup {
		return decided(Ignore, fmt.Errorf("%w: exit of validator %d", ErrDuplicate, e.Message.ValidatorIndex))
	}
	c := Checked{seen: key}
	// EIP-7044: exits are signed with the Capella fork version forever.
	set, ok, err := v.signatureSet(e.Message.ValidatorIndex, types.HashTreeRoot(e.Message),
		v.domain(params.DomainVoluntaryExit, v.spec.ForkVersion(params.Capella)), e.Signature)
	if err != nil {
		return decided(Reject, err)
	}
	if ok {
		c.Sets = append(c.Sets, set)
	}
	return c
}

func (v *Validator) checkProposerSlashing(ssz []byte) Checked {
	var s types.ProposerSlashing
	if err := types.Unmarshal(ssz, &s); err != nil {
		return malformed(err)
	}
	h1, h2 := s.SignedHeader1.Message, s.SignedHeader2.Message
	if h1.Slot != h2.Slot || h1.ProposerIndex != h2.ProposerIndex || *h1 == *h2 {
		return decided(Reject, fmt.Errorf("%w: headers are not a slashable pair", ErrInvalid))
	}
	key := seenKey{kind: ProposerSlashing, a: uint64(h1.ProposerIndex)}
	if _, dup := v.seen[key]; dup {
		return decided(Ignore, fmt.Errorf("%w: slashing of proposer %d", ErrDuplicate, h1.ProposerIndex))
	}
	c := Checked{seen: key}
	dom := v.domain(params.DomainBeaconProposer, v.spec.ComputeForkVersion(v.epochOf(h1.Slot)))
	for _, sh := range []*types.SignedBeaconBlockHeader{s.SignedHeader1, s.SignedHeader2} {
		set, ok, err := v.signatureSet(sh.Message.ProposerIndex, types.HashTreeRoot(sh.Message), dom, sh.Signature)
		if err != nil {
			return decided(Reject, err)
		}
		if ok {
			c.Sets = append(c.Sets, set)
		}
	}
	return c
}

func (v *Validator) checkAttesterSlashing(ssz []byte, now time.Time) Checked {
	var s types.AttesterSlashing
	if err := types.Unmarshal(ssz, &s); err != nil {
		return malformed(err)
	}
	d1, d2 := s.Attestation1.Data, s.Attestation2.Data
	doubleVote := *d1.Source != *d2.Source || *d1.Target != *d2.Target || d1.Slot != d2.Slot ||
		d1.Index != d2.Index || d1.BeaconBlockRoot != d2.BeaconBlockRoot
	doubleVote = doubleVote && d1.Target.Epoch == d2.Target.Epoch
	surround := d1.Source.Epoch < d2.Source.Epoch && d2.Target.Epoch < d1.Target.Epoch
	if !doubleVote && !surround {
		return decided(Reject, fmt.Errorf("%w: attestations are not slashable", ErrInvalid))
	}
	in2 := map[primitives.ValidatorIndex]bool{}
	for _, i := range s.Attestation2.AttestingIndices {
		in2[i] = true
	}
	// [IGNORE] An index in both attestations has not been seen in a prior attester_slashing. Only slashings the
	// chain accepted count (Accepted records them): one that fails validation must not shut out a valid one.
	var both []primitives.ValidatorIndex
	fresh := false
	for _, i := range s.Attestation1.AttestingIndices {
		if in2[i] {
			both = append(both, i)
			_, dup := v.seen[seenKey{kind: AttesterSlashing, a: uint64(i)}]
			fresh = fresh || !dup
		}
	}
	if !fresh {
		return decided(Ignore, fmt.Errorf("%w: every slashable index was slashed before", ErrDuplicate))
	}
	at, _ := v.slotAt(now)
	return Checked{slashed: both, at: at}
}

func (v *Validator) checkSyncMessage(t Topic, ssz []byte, now time.Time) Checked {
	var m types.SyncCommitteeMessage
	if err := types.Unmarshal(ssz, &m); err != nil {
		return malformed(err)
	}
	if future, past := v.slotWindow(now, m.Slot, m.Slot); future || past {
		return decided(Ignore, fmt.Errorf("%w: sync committee message for slot %d", ErrTooOld, m.Slot))
	}
	// Per topic: a validator with positions in several subcommittees sends one message to each of their subnets.
	key := seenKey{kind: SyncCommittee, a: uint64(m.Slot), b: uint64(m.ValidatorIndex), c: t.Subnet}
	if _, dup := v.seen[key]; dup {
		return decided(Ignore, fmt.Errorf("%w: sync message of %d at slot %d", ErrDuplicate, m.ValidatorIndex, m.Slot))
	}
	c := Checked{seen: key}
	set, ok, err := v.signatureSet(m.ValidatorIndex, m.BeaconBlockRoot,
		v.domain(params.DomainSyncCommittee, v.spec.ComputeForkVersion(v.epochOf(m.Slot))), m.Signature)
	if err != nil {
		return decided(Reject, err)
	}
	if ok {
		c.Sets = append(c.Sets, set)
	}
	return c
}

func (v *Validator) checkContribution(ssz []byte, now time.Time) Checked {
	var s types.SignedContributionAndProof
	if err := types.Unmarshal(ssz, &s); err != nil {
		return malformed(err)
	}
	con := s.Message.Contribution
	if future, past := v.slotWindow(now, con.Slot, con.Slot); future || past {
		return decided(Ignore, fmt.Errorf("%w: contribution for slot %d", ErrTooOld, con.Slot))
	}
	if con.SubcommitteeIndex >= types.SyncCommitteeSubnetCount {
		return decided(Reject, fmt.Errorf("%w: subcommittee %d", ErrInvalid, con.SubcommitteeIndex))
	}
	participants := false
	for _, b := range con.AggregationBits {
		participants = participants || b != 0
	}
	if !participants {
		return decided(Reject, fmt.Errorf("%w: contribution without participants", ErrInvalid))
	}
	key := seenKey{kind: SyncCommitteeContributionAndProof, a: uint64(s.Message.AggregatorIndex), b: uint64(con.Slot), c: con.SubcommitteeIndex}
	if _, dup := v.seen[key]; dup {
		return decided(Ignore, fmt.Errorf("%w: contribution of %d at slot %d", ErrDuplicate, s.Message.AggregatorIndex, con.Slot))
	}
	c := Checked{seen: key}
	set, ok, err := v.signatureSet(s.Message.AggregatorIndex, types.HashTreeRoot(s.Message),
		v.domain(params.DomainContributionAndProof, v.spec.ComputeForkVersion(v.epochOf(con.Slot))), s.Signature)
	if err != nil {
		return decided(Reject, err)
	}
	if ok {
		c.Sets = append(c.Sets, set)
	}
	return c
}

func (v *Validator) checkBLSChange(ssz []byte) Checked {
	var s types.SignedBLSToExecutionChange
	if err := types.Unmarshal(ssz, &s); err != nil {
		return malformed(err)
	}
	key := seenKey{kind: BLSToExecutionChange, a: uint64(s.Message.ValidatorIndex)}
	if _, dup := v.seen[key]; dup {
		return decided(Ignore, fmt.Errorf("%w: change of validator %d", ErrDuplicate, s.Message.ValidatorIndex))
	}
	// The signing key travels in the message: this signature is checkable without any state.
	pk, err := bls.PublicKeyFromBytes(s.Message.FromBLSPubkey[:])
	if err != nil {
		return decided(Reject, fmt.Errorf("%w: from_bls_pubkey: %w", ErrInvalid, err))
	}
	sig, err := bls.SignatureFromBytes(s.Signature[:])
	if err != nil {
		return decided(Reject, fmt.Errorf("%w: %w", ErrBadSignature, err))
	}
	msg := params.ComputeSigningRoot(types.HashTreeRoot(s.Message),
		v.domain(params.DomainBLSToExecutionChange, v.spec.ForkVersion(params.Phase0)))
	return Checked{seen: key, Sets: []bls.SignatureSet{{PublicKey: pk, Message: msg[:], Signature: sig}}}
}

func (v *Validator) checkSidecar(t Topic, ssz []byte, now time.Time) Checked {
	var sc types.DataColumnSidecar
	if err := types.Unmarshal(ssz, &sc); err != nil {
		return malformed(err)
	}
	hdr := sc.SignedBlockHeader.Message
	n := len(sc.KZGCommitments)
	switch {
	case sc.Index >= params.NumberOfColumns:
		return decided(Reject, fmt.Errorf("%w: column %d", ErrInvalid, sc.Index))
	case n == 0:
		return decided(Reject, fmt.Errorf("%w: sidecar without commitments", ErrInvalid))
	case uint64(n) > v.spec.GetBlobParameters(v.epochOf(hdr.Slot)).MaxBlobsPerBlock:
		return decided(Reject, fmt.Errorf("%w: %d commitments over the blob limit", ErrInvalid, n))
	case len(sc.Column) != n || len(sc.KZGProofs) != n:
		return decided(Reject, fmt.Errorf("%w: %d cells, %d commitments, %d proofs", ErrInvalid, len(sc.Column), n, len(sc.KZGProofs)))
	case uint64(sc.Index)%v.spec.DataColumnSidecarSubnetCount != t.Subnet:
		return decided(Reject, fmt.Errorf("%w: column %d on subnet %d", ErrWrongSubnet, sc.Index, t.Subnet))
	}
	// [IGNORE] The sidecar is not from a future slot: block_header.slot <= current_slot, with the allowance.
	if future, _ := v.slotWindow(now, hdr.Slot, hdr.Slot); future {
		return decided(Ignore, fmt.Errorf("%w: sidecar at slot %d", ErrFuture, hdr.Slot))
	}
	key := seenKey{kind: DataColumnSidecar, a: uint64(hdr.Slot), b: uint64(hdr.ProposerIndex), c: uint64(sc.Index)}
	if _, dup := v.seen[key]; dup {
		return decided(Ignore, fmt.Errorf("%w: column %d of slot %d", ErrDuplicate, sc.Index, hdr.Slot))
	}
	c := Checked{seen: key}
	set, ok, err := v.signatureSet(hdr.ProposerIndex, types.HashTreeRoot(hdr),
		v.domain(params.DomainBeaconProposer, v.spec.ComputeForkVersion(v.epochOf(hdr.Slot))), sc.SignedBlockHeader.Signature)
	if err != nil {
		return decided(Reject, err)
	}
	if ok {
		c.Sets = append(c.Sets, set)
	}
	return c
}

// Finish completes a message that passed Check once its signatures are verified: a message with an invalid
// signature is rejected; a valid one is marked seen, so that the next one from the same signer for the same duty
// is ignored. It returns the stateless verdict: Reject, Ignore, or Accept meaning "valid as far as stateless checks
// go; the chain decides the rest".
func (v *Validator) Finish(c *Checked, signaturesValid bool, now time.Time) (Result, error) {
	if c.Decided {
		return c.Result, c.Err
	}
	if !signaturesValid {
		return Reject, ErrBadSignature
	}
	if c.seen != (seenKey{}) {
		if _, dup := v.seen[c.seen]; dup {
			return Ignore, ErrDuplicate // a copy passed while this one's signature was being checked
		}
		slot, _ := v.slotAt(now)
		v.seen[c.seen] = slot
		v.gc(slot)
	}
	return Accept, nil
}

// Accepted records what a message the chain accepted means for later ones: an aggregate's participants, which
// make aggregates of the same data with no new participant redundant, and an attester slashing's indices.
func (v *Validator) Accepted(c *Checked) {
	if a := c.agg; a != nil {
		v.aggregates[a.key] = append(v.aggregates[a.key], *a)
	}
	for _, i := range c.slashed {
		v.seen[seenKey{kind: AttesterSlashing, a: uint64(i)}] = c.at
	}
}

// Forget undoes Finish's marking of c as seen, for a message the chain did not accept: the spec's duplicate rules
// count only valid messages.
func (v *Validator) Forget(c *Checked) {
	if c.seen != (seenKey{}) {
		delete(v.seen, c.seen)
	}
}

// gc keeps duplicate-cache entries for two epochs and a slot, longer than any message's validity window: an
// attestation's ends with the epoch after its own (EIP-7045), a slot later with the clock disparity allowance.
func (v *Validator) gc(now primitives.Slot) {
	retention := primitives.Slot(2*v.spec.SlotsPerEpoch + 1)
	if now < v.lastGC+primitives.Slot(v.spec.SlotsPerEpoch) || now < retention {
		return
	}
	v.lastGC = now
	for k, at := range v.seen {
		if at+retention < now {
			delete(v.seen, k)
		}
	}
	for k, aggs := range v.aggregates {
		if aggs[0].slot+retention < now {
			delete(v.aggregates, k)
		}
	}
}
