package discovery

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum/p2p/enode"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/transition/helpers"
	"github.com/salamander-client/salamander/types"
)

// nodeIDBits is the spec's NODE_ID_BITS.
const nodeIDBits = 256

// ComputeSubscribedSubnet is the spec's compute_subscribed_subnet (phase0 p2p-interface): the index-th long-lived
// attestation subnet of a node at epoch. Node IDs are read as big-endian uint256, as discv5 defines them.
func ComputeSubscribedSubnet(spec *params.Spec, nodeID enode.ID, epoch primitives.Epoch, index uint64) (uint64, error) {
	prefixBits := spec.AttestationSubnetPrefixBits
	if prefixBits == 0 || prefixBits > 63 || spec.EpochsPerSubnetSubscription == 0 {
		return 0, fmt.Errorf("compute_subscribed_subnet: ATTESTATION_SUBNET_PREFIX_BITS %d, EPOCHS_PER_SUBNET_SUBSCRIPTION %d: "+
			"want 1..63 and a positive number of epochs", prefixBits, spec.EpochsPerSubnetSubscription)
	}
	id := new(big.Int).SetBytes(nodeID[:])
	nodeIDPrefix := new(big.Int).Rsh(id, nodeIDBits-uint(prefixBits)).Uint64()
	nodeOffset := new(big.Int).Mod(id, new(big.Int).SetUint64(uint64(spec.EpochsPerSubnetSubscription))).Uint64()
	var period [8]byte // uint_to_bytes(uint64(...)): little-endian
	binary.LittleEndian.PutUint64(period[:], subscriptionPeriod(uint64(epoch), nodeOffset, uint64(spec.EpochsPerSubnetSubscription)))
	seed := primitives.Bytes32(sha256.Sum256(period[:]))
	permutated, err := helpers.ComputeShuffledIndex(nodeIDPrefix, 1<<prefixBits, seed)
	if err != nil {
		return 0, fmt.Errorf("compute_subscribed_subnet: %w", err)
	}
	return (permutated + index) % types.AttestationSubnetCount, nil
}

// subscriptionPeriod is (epoch + node_offset) // EPOCHS_PER_SUBNET_SUBSCRIPTION, which cannot overflow: the sum is
// taken as a 128-bit number.
func subscriptionPeriod(epoch, offset, perSubscription uint64) uint64 {
	sum := new(big.Int).Add(new(big.Int).SetUint64(epoch), new(big.Int).SetUint64(offset))
	return sum.Div(sum, new(big.Int).SetUint64(perSubscription)).Uint64()
}

// ComputeSubscribedSubnets is the spec's compute_subscribed_subnets: the SUBNETS_PER_NODE long-lived attestation
// subnets of a node at epoch, in the spec's order (they may repeat only if SUBNETS_PER_NODE exceeds the subnet count).
func ComputeSubscribedSubnets(spec *params.Spec, nodeID enode.ID, epoch primitives.Epoch) ([]uint64, error) {
	out := make([]uint64, 0, spec.SubnetsPerNode)
	for index := range min(spec.SubnetsPerNode, types.AttestationSubnetCount) {
		s, err := ComputeSubscribedSubnet(spec, nodeID, epoch, index)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// NextSubnetRotation is the first epoch after epoch at which the node's long-lived subnets may change: where
// (epoch + node_offset) // EPOCHS_PER_SUBNET_SUBSCRIPTION next increases.
func NextSubnetRotation(spec *params.Spec, nodeID enode.ID, epoch primitives.Epoch) primitives.Epoch {
	per := uint64(spec.EpochsPerSubnetSubscription)
	if per == 0 {
		return epoch + 1
	}
	offset := new(big.Int).Mod(new(big.Int).SetBytes(nodeID[:]), new(big.Int).SetUint64(per)).Uint64()
	next := (subscriptionPeriod(uint64(epoch), offset, per)+1)*per - offset
	return primitives.Epoch(next)
}

// Attnets is the ENR and metadata bitvector of a set of attestation subnets.
func Attnets(subnets []uint64) [types.AttnetsBytes]byte {
	var b [types.AttnetsBytes]byte
	for _, s := range subnets {
		if s < types.AttestationSubnetCount {
			b[s/8] |= 1 << (s % 8)
		}
	}
	return b
}

// Syncnets is the ENR and metadata bitvector of a set of sync committee subnets.
func Syncnets(subnets []uint64) [types.SyncnetsBytes]byte {
	var b [types.SyncnetsBytes]byte
	for _, s := range subnets {
		if s < types.SyncCommitteeSubnetCount {
			b[s/8] |= 1 << (s % 8)
		}
	}
	return b
}

// AllAttestationSubnets lists every attestation subnet, for a node that subscribes to all of them.
func AllAttestationSubnets() []uint64 {
	out := make([]uint64, types.AttestationSubnetCount)
	for i := range out {
		out[i] = uint64(i)
	}
	return slices.Clip(out)
}
