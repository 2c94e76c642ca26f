package validator

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
	"github.com/salamander-client/salamander/validator/slashingprotection"
)

// ErrUnknownKey means the signer holds no secret key for the public key it was asked to sign with.
var ErrUnknownKey = errors.New("no secret key for this validator")

// Signer holds the validators' secret keys and signs for them: every signature of the honest validator guide under
// its spec name. Blocks and attestations are checked against, and recorded in, the slashing protection database
// before they are signed; a refusal wraps slashingprotection.ErrSlashable and nothing is signed.
//
// Domains come from the chain's fork schedule and genesis validators root, not from a state: for a chain that
// follows its schedule, get_domain(state, domain_type, epoch) is compute_domain(domain_type,
// compute_fork_version(epoch), genesis_validators_root), and a signer that needs no state can run anywhere. A
// Signer is safe for concurrent use.
type Signer struct {
	spec                  *params.Spec
	genesisValidatorsRoot primitives.Root
	protection            *slashingprotection.DB
	keys                  map[primitives.BLSPubkey]*bls.SecretKey
	pubkeys               []primitives.BLSPubkey // sorted, for a stable duty order
}

// NewSigner returns a signer of keys on the chain of spec and genesisValidatorsRoot, protected by protection, which
// it binds to that chain (a database of another chain is slashingprotection.ErrWrongGenesisValidatorsRoot).
func NewSigner(spec *params.Spec, genesisValidatorsRoot primitives.Root, protection *slashingprotection.DB, keys []*bls.SecretKey) (*Signer, error) {
	if protection == nil {
		return nil, errors.New("new signer: no slashing protection database")
	}
	if err := protection.BindGenesisValidatorsRoot(genesisValidatorsRoot); err != nil {
		return nil, fmt.Errorf("new signer: %w", err)
	}
	s := &Signer{spec: spec, genesisValidatorsRoot: genesisValidatorsRoot, protection: protection,
		keys: make(map[primitives.BLSPubkey]*bls.SecretKey, len(keys))}
	for _, sk := range keys {
		pk := sk.PublicKey().Bytes()
		if _, dup := s.keys[pk]; dup {
			return nil, fmt.Errorf("new signer: key %#x given twice", pk)
		}
		s.keys[pk] = sk
		s.pubkeys = append(s.pubkeys, pk)
	}
	slices.SortFunc(s.pubkeys, func(a, b primitives.BLSPubkey) int { return bytes.Compare(a[:], b[:]) })
	return s, nil
}

// Pubkeys returns the public keys the signer signs for, sorted.
func (s *Signer) Pubkeys() []primitives.BLSPubkey { return slices.Clone(s.pubkeys) }

// GenesisValidatorsRoot is the root of the chain the signer signs on.
func (s *Signer) GenesisValidatorsRoot() primitives.Root { return s.genesisValidatorsRoot }

// Domain is get_domain for domainType at epoch on the signer's chain.
func (s *Signer) Domain(domainType primitives.DomainType, epoch primitives.Epoch) primitives.Domain {
	return params.ComputeDomain(domainType, s.spec.ComputeForkVersion(epoch), s.genesisValidatorsRoot)
}

func (s *Signer) sign(pubkey primitives.BLSPubkey, signingRoot primitives.Root) (primitives.BLSSignature, error) {
	sk, ok := s.keys[pubkey]
	if !ok {
		return primitives.BLSSignature{}, fmt.Errorf("%w: %#x", ErrUnknownKey, pubkey)
	}
	return sk.Sign(signingRoot[:]).Bytes(), nil
}

// GetBlockSignature is the spec's get_block_signature, after the slashing protection database accepted and
// recorded the block.
func (s *Signer) GetBlockSignature(pubkey primitives.BLSPubkey, block *types.BeaconBlock) (primitives.BLSSignature, error) {
	if _, ok := s.keys[pubkey]; !ok {
		return primitives.BLSSignature{}, fmt.Errorf("sign block at slot %d: %w: %#x", block.Slot, ErrUnknownKey, pubkey)
	}
	domain := s.Domain(params.DomainBeaconProposer, epochAtSlot(block.Slot))
	signingRoot := params.ComputeSigningRoot(types.HashTreeRoot(block), domain)
	if err := s.protection.CheckAndRecordBlock(slashingprotection.Block{Pubkey: pubkey, Slot: block.Slot, SigningRoot: signingRoot}); err != nil {
		return primitives.BLSSignature{}, fmt.Errorf("sign block at slot %d: %w", block.Slot, err)
	}
	return s.sign(pubkey, signingRoot)
}

// GetEpochSignature is the spec's get_epoch_signature: the RANDAO reveal of a block in epoch.
func (s *Signer) GetEpochSignature(pubkey primitives.BLSPubkey, epoch primitives.Epoch) (primitives.BLSSignature, error) {
	var epochRoot primitives.Root
	binary.LittleEndian.PutUint64(epochRoot[:], uint64(epoch))
	return s.sign(pubkey, params.ComputeSigningRoot(epochRoot, s.Domain(params.DomainRandao, epoch)))
}

// AttestationToSign is one attestation a validator is asked to sign.
type AttestationToSign struct {
	Pubkey primitives.BLSPubkey
	Data   *types.AttestationData
}

// GetAttestationSignatures is the spec's get_attestation_signature for many validators at once: the slashing
// protection database checks and records them in one transaction. signatures[i] is valid when errs[i] is nil;
// errs[i] says why attestations[i] was not signed. err is a failure of the database, which signs nothing.
func (s *Signer) GetAttestationSignatures(attestations []AttestationToSign) (signatures []primitives.BLSSignature, errs []error, err error) {
	roots := make([]primitives.Root, len(attestations))
	errs = make([]error, len(attestations))
	var requests []slashingprotection.Attestation
	var requested []int // requests[j] is attestations[requested[j]]
	for i, a := range attestations {
		if _, ok := s.keys[a.Pubkey]; !ok {
			// Not recorded either: a key this signer does not hold must not block the validator elsewhere.
			errs[i] = fmt.Errorf("sign attestation at slot %d: %w: %#x", a.Data.Slot, ErrUnknownKey, a.Pubkey)
			continue
		}
		domain := s.Domain(params.DomainBeaconAttester, a.Data.Target.Epoch)
		roots[i] = params.ComputeSigningRoot(types.HashTreeRoot(a.Data), domain)
		requests = append(requests, slashingprotection.Attestation{Pubkey: a.Pubkey, Source: a.Data.Source.Epoch,
			Target: a.Data.Target.Epoch, SigningRoot: roots[i]})
		requested = append(requested, i)
	}
	verdicts, err := s.protection.CheckAndRecordAttestations(requests)
	if err != nil {
		return nil, nil, fmt.Errorf("sign attestations: %w", err)
	}
	signatures = make([]primitives.BLSSignature, len(attestations))
	for j, i := range requested {
		if verdicts[j] != nil {
			errs[i] = fmt.Errorf("sign attestation at slot %d: %w", attestations[i].Data.Slot, verdicts[j])
			continue
		}
		signatures[i], errs[i] = s.sign(attestations[i].Pubkey, roots[i])
	}
	return signatures, errs, nil
}

// GetAttestationSignature is the spec's get_attestation_signature for one validator.
func (s *Signer) GetAttestationSignature(pubkey primitives.BLSPubkey, data *types.AttestationData) (primitives.BLSSignature, error) {
	signatures, errs, err := s.GetAttestationSignatures([]AttestationToSign{{Pubkey: pubkey, Data: data}})
	if err != nil {
		return primitives.BLSSignature{}, err
	}
	return signatures[0], errs[0]
}

// GetSlotSignature is the spec's get_slot_signature: the selection proof of an aggregator at slot.
func (s *Signer) GetSlotSignature(pubkey primitives.BLSPubkey, slot primitives.Slot) (primitives.BLSSignature, error) {
	var slotRoot primitives.Root
	binary.LittleEndian.PutUint64(slotRoot[:], uint64(slot))
	return s.sign(pubkey, params.ComputeSigningRoot(slotRoot, s.Domain(params.DomainSelectionProof, epochAtSlot(slot))))
}

// GetAggregateAndProofSignature is the spec's get_aggregate_and_proof_signature.
func (s *Signer) GetAggregateAndProofSignature(pubkey primitives.BLSPubkey, aggregateAndProof *types.AggregateAndProof) (primitives.BLSSignature, error) {
	domain := s.Domain(params.DomainAggregateAndProof, epochAtSlot(aggregateAndProof.Aggregate.Data.Slot))
	return s.sign(pubkey, params.ComputeSigningRoot(types.HashTreeRoot(aggregateAndProof), domain))
}

// GetSyncCommitteeMessage is the spec's get_sync_committee_message: the validator's signature of blockRoot, the
// head at slot.
func (s *Signer) GetSyncCommitteeMessage(pubkey primitives.BLSPubkey, index primitives.ValidatorIndex, slot primitives.Slot, blockRoot primitives.Root) (*types.SyncCommitteeMessage, error) {
	signature, err := s.sign(pubkey, params.ComputeSigningRoot(blockRoot, s.Domain(params.DomainSyncCommittee, epochAtSlot(slot))))
	if err != nil {
		return nil, err
	}
	return &types.SyncCommitteeMessage{Slot: slot, BeaconBlockRoot: blockRoot, ValidatorIndex: index, Signature: signature}, nil
}

// GetSyncCommitteeSelectionProof is the spec's get_sync_committee_selection_proof.
func (s *Signer) GetSyncCommitteeSelectionProof(pubkey primitives.BLSPubkey, slot primitives.Slot, subcommitteeIndex uint64) (primitives.BLSSignature, error) {
	data := &types.SyncAggregatorSelectionData{Slot: slot, SubcommitteeIndex: subcommitteeIndex}
	domain := s.Domain(params.DomainSyncCommitteeSelectionProof, epochAtSlot(slot))
	return s.sign(pubkey, params.ComputeSigningRoot(types.HashTreeRoot(data), domain))
}

// GetContributionAndProofSignature is the spec's get_contribution_and_proof_signature.
func (s *Signer) GetContributionAndProofSignature(pubkey primitives.BLSPubkey, contributionAndProof *types.ContributionAndProof) (primitives.BLSSignature, error) {
	domain := s.Domain(params.DomainContributionAndProof, epochAtSlot(contributionAndProof.Contribution.Slot))
	return s.sign(pubkey, params.ComputeSigningRoot(types.HashTreeRoot(contributionAndProof), domain))
}

// IsAggregator is the spec's is_aggregator, given the committee's size instead of the state it is read from.
func IsAggregator(committeeSize uint64, slotSignature primitives.BLSSignature) bool {
	modulo := max(1, committeeSize/TargetAggregatorsPerCommittee)
	return bytesToUint64(sha256.Sum256(slotSignature[:]))%modulo == 0
}

// IsSyncCommitteeAggregator is the spec's is_sync_committee_aggregator.
func IsSyncCommitteeAggregator(signature primitives.BLSSignature) bool {
	modulo := max(1, uint64(types.SyncSubcommitteeSize)/TargetAggregatorsPerSyncSubcommittee)
	return bytesToUint64(sha256.Sum256(signature[:]))%modulo == 0
}

// bytesToUint64 is the spec's bytes_to_uint64 of the first 8 bytes of a hash.
func bytesToUint64(digest [32]byte) uint64 { return binary.LittleEndian.Uint64(digest[:8]) }

func epochAtSlot(slot primitives.Slot) primitives.Epoch {
	return primitives.Epoch(uint64(slot) / params.SlotsPerEpoch)
}
