package spectest

import (
	"math/big"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/p2p/enode"

	"github.com/salamander-client/salamander/discovery"
)

func init() {
	registry.Handle("networking", "get_custody_groups", runGetCustodyGroups)
	registry.Handle("networking", "compute_columns_for_custody_group", runComputeColumnsForCustodyGroup)
}

// runGetCustodyGroups checks get_custody_groups(node_id, custody_group_count) against meta.yaml
// (tests/formats/networking/get_custody_groups.md). node_id is a uint256 written as a decimal integer.
func runGetCustodyGroups(t *testing.T, c Case) {
	var meta struct {
		NodeID            string   `yaml:"node_id"`
		CustodyGroupCount uint64   `yaml:"custody_group_count"`
		Result            []uint64 `yaml:"result"`
	}
	if err := c.ReadYAML("meta", &meta); err != nil {
		t.Fatalf("read meta: %v", err)
	}
	id, ok := new(big.Int).SetString(meta.NodeID, 10)
	if !ok || id.Sign() < 0 || id.BitLen() > 256 {
		t.Fatalf("node_id %q is not a uint256", meta.NodeID)
	}
	var nodeID enode.ID
	id.FillBytes(nodeID[:]) // big-endian, as discv5 node IDs are read
	spec, err := transitionSpec()
	if err != nil {
		t.Fatalf("spec: %v", err)
	}
	have := discovery.GetCustodyGroups(spec, nodeID, meta.CustodyGroupCount)
	if !slices.Equal(have, meta.Result) {
		t.Fatalf("get_custody_groups(%s, %d) = %v, want %v", meta.NodeID, meta.CustodyGroupCount, have, meta.Result)
	}
}

// runComputeColumnsForCustodyGroup checks compute_columns_for_custody_group(custody_group) against meta.yaml
// (tests/formats/networking/compute_columns_for_custody_group.md).
func runComputeColumnsForCustodyGroup(t *testing.T, c Case) {
	var meta struct {
		CustodyGroup uint64   `yaml:"custody_group"`
		Result       []uint64 `yaml:"result"`
	}
	if err := c.ReadYAML("meta", &meta); err != nil {
		t.Fatalf("read meta: %v", err)
	}
	spec, err := transitionSpec()
	if err != nil {
		t.Fatalf("spec: %v", err)
	}
	have := discovery.ComputeColumnsForCustodyGroup(spec, meta.CustodyGroup)
	if !slices.Equal(have, meta.Result) {
		t.Fatalf("compute_columns_for_custody_group(%d) = %v, want %v", meta.CustodyGroup, have, meta.Result)
	}
}
