package gossip

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/golang/snappy"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// Kind is a gossip topic's message type, without fork digest or subnet.
type Kind uint8

// Fulu's gossip topics.
const (
	BeaconBlock Kind = iota
	BeaconAggregateAndProof
	BeaconAttestation // beacon_attestation_{subnet}
	VoluntaryExit
	ProposerSlashing
	AttesterSlashing
	SyncCommitteeContributionAndProof
	SyncCommittee // sync_committee_{subnet}
	BLSToExecutionChange
	DataColumnSidecar // data_column_sidecar_{subnet}
	LightClientFinalityUpdate
	LightClientOptimisticUpdate
	numKinds
)

// Kinds lists every kind.
func Kinds() []Kind {
	k := make([]Kind, numKinds)
	for i := range k {
		k[i] = Kind(i)
	}
	return k
}

var kindNames = [numKinds]string{
	BeaconBlock:                       "beacon_block",
	BeaconAggregateAndProof:           "beacon_aggregate_and_proof",
	BeaconAttestation:                 "beacon_attestation",
	VoluntaryExit:                     "voluntary_exit",
	ProposerSlashing:                  "proposer_slashing",
	AttesterSlashing:                  "attester_slashing",
	SyncCommitteeContributionAndProof: "sync_committee_contribution_and_proof",
	SyncCommittee:                     "sync_committee",
	BLSToExecutionChange:              "bls_to_execution_change",
	DataColumnSidecar:                 "data_column_sidecar",
	LightClientFinalityUpdate:         "light_client_finality_update",
	LightClientOptimisticUpdate:       "light_client_optimistic_update",
}

func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "unknown"
}

// Subnets is the number of subnets of a subnet kind, 0 for a global topic.
func (k Kind) Subnets(spec *params.Spec) uint64 {
	switch k {
	case BeaconAttestation:
		return types.AttestationSubnetCount
	case SyncCommittee:
		return types.SyncCommitteeSubnetCount
	case DataColumnSidecar:
		return spec.DataColumnSidecarSubnetCount
	}
	return 0
}

// Topic is a parsed gossip topic.
type Topic struct {
	Digest primitives.ForkDigest
	Kind   Kind
	Subnet uint64 // for subnet kinds
}

// ErrUnknownTopic is returned for a topic string that is not a Fulu consensus topic.
var ErrUnknownTopic = errors.New("unknown gossip topic")

// String is the topic string /eth2/{digest}/{name}/ssz_snappy.
func (t Topic) String() string {
	name := t.Kind.String()
	if t.Kind == BeaconAttestation || t.Kind == SyncCommittee || t.Kind == DataColumnSidecar {
		name += "_" + strconv.FormatUint(t.Subnet, 10)
	}
	return "/eth2/" + hex.EncodeToString(t.Digest[:]) + "/" + name + "/ssz_snappy"
}

// ParseTopic parses a topic string; subnets are checked against the spec's counts.
func ParseTopic(spec *params.Spec, s string) (Topic, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 5 || parts[0] != "" || parts[1] != "eth2" || parts[4] != "ssz_snappy" {
		return Topic{}, fmt.Errorf("%w: %q", ErrUnknownTopic, s)
	}
	var t Topic
	if d, err := hex.DecodeString(parts[2]); err != nil || len(d) != 4 {
		return Topic{}, fmt.Errorf("%w: fork digest of %q", ErrUnknownTopic, s)
	} else {
		copy(t.Digest[:], d)
	}
	name := parts[3]
	for _, k := range Kinds() {
		if k.Subnets(spec) == 0 {
			if name == k.String() {
				t.Kind = k
				return t, nil
			}
			continue
		}
		prefix := k.String() + "_"
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			n, err := strconv.ParseUint(rest, 10, 64)
			if err != nil || n >= k.Subnets(spec) || strconv.FormatUint(n, 10) != rest {
				return Topic{}, fmt.Errorf("%w: subnet of %q", ErrUnknownTopic, s)
			}
			t.Kind, t.Subnet = k, n
			return t, nil
		}
	}
	return Topic{}, fmt.Errorf("%w: %q", ErrUnknownTopic, s)
}

// MessageID is the Altair-and-later gossip message-id: SHA256 of the domain, the topic's length and bytes, and the
// decompressed data (or the raw data when it is not valid snappy), cut to 20 bytes. maxDecoded bounds the
// decompression, so that a small message claiming a huge length costs nothing.
func MessageID(spec *params.Spec, topic string, data []byte, maxDecoded uint64) string {
	h := sha256.New()
	decoded, err := decodeSnappy(data, maxDecoded)
	if err == nil {
		h.Write(spec.MessageDomainValidSnappy[:])
	} else {
		h.Write(spec.MessageDomainInvalidSnappy[:])
		decoded = data
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(topic)))
	h.Write(n[:])
	h.Write([]byte(topic))
	h.Write(decoded)
	return string(h.Sum(nil)[:20])
}

// ErrTooLarge is returned for a payload over its size limit.
var ErrTooLarge = errors.New("payload too large")

// decodeSnappy decompresses a snappy block whose decoded length is at most maxDecoded.
func decodeSnappy(data []byte, maxDecoded uint64) ([]byte, error) {
	n, err := snappy.DecodedLen(data)
	if err != nil {
		return nil, fmt.Errorf("snappy: %w", err)
	}
	if uint64(n) > maxDecoded {
		return nil, fmt.Errorf("%w: decodes to %d bytes, max %d", ErrTooLarge, n, maxDecoded)
	}
	out, err := snappy.Decode(nil, data)
	if err != nil {
		return nil, fmt.Errorf("snappy: %w", err)
	}
	return out, nil
}

// Encode compresses an SSZ payload for gossip.
func Encode(ssz []byte) []byte { return snappy.Encode(nil, ssz) }
