package discovery

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum/p2p/enode"

	"github.com/salamander-client/salamander/params"
)

// GetCustodyGroups is the spec's get_custody_groups (fulu das-core): the custody groups of a node ID, sorted.
func GetCustodyGroups(spec *params.Spec, nodeID enode.ID, custodyGroupCount uint64) []uint64 {
	groups := spec.NumberOfCustodyGroups
	count := min(custodyGroupCount, groups)
	if count == groups {
		out := make([]uint64, groups)
		for i := range out {
			out[i] = uint64(i)
		}
		return out
	}
	current := new(big.Int).SetBytes(nodeID[:])
	maxID := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	one := big.NewInt(1)
	var out []uint64
	for uint64(len(out)) < count {
		var le [32]byte // uint_to_bytes(uint256): little-endian
		be := current.FillBytes(make([]byte, 32))
		for i := range le {
			le[i] = be[31-i]
		}
		h := sha256.Sum256(le[:])
		g := binary.LittleEndian.Uint64(h[:8]) % groups
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
		if current.Cmp(maxID) == 0 {
			current.SetUint64(0)
		} else {
			current.Add(current, one)
		}
	}
	slices.Sort(out)
	return out
}

// ComputeColumnsForCustodyGroup is the spec's compute_columns_for_custody_group.
func ComputeColumnsForCustodyGroup(spec *params.Spec, group uint64) []uint64 {
	perGroup := params.NumberOfColumns / spec.NumberOfCustodyGroups
	out := make([]uint64, perGroup)
	for i := range out {
		out[i] = spec.NumberOfCustodyGroups*uint64(i) + group
	}
	return out
}

// CustodySubnets are the data column sidecar subnets a node with this ID and custody group count subscribes to.
func CustodySubnets(spec *params.Spec, nodeID enode.ID, custodyGroupCount uint64) []uint64 {
	var subnets []uint64
	for _, g := range GetCustodyGroups(spec, nodeID, custodyGroupCount) {
		for _, c := range ComputeColumnsForCustodyGroup(spec, g) {
			s := c % spec.DataColumnSidecarSubnetCount
			if !slices.Contains(subnets, s) {
				subnets = append(subnets, s)
			}
		}
	}
	slices.Sort(subnets)
	return subnets
}
