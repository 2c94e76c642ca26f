package forkchoice

import (
	"fmt"

	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// balanceCache is the forkchoice actor's BalancesSource: the Balances that came with the blocks, by checkpoint.
type balanceCache struct {
	byCheckpoint map[types.Checkpoint]*Balances
}

func newBalanceCache() *balanceCache {
	return &balanceCache{byCheckpoint: map[types.Checkpoint]*Balances{}}
}

func (c *balanceCache) add(balances ...*Balances) {
	for _, b := range balances {
		if b != nil {
			c.byCheckpoint[b.Checkpoint] = b
		}
	}
}

// CheckpointBalances implements BalancesSource.
func (c *balanceCache) CheckpointBalances(checkpoint types.Checkpoint) (*Balances, error) {
	if b, ok := c.byCheckpoint[checkpoint]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("%w: none came for checkpoint %d/%#x", ErrMissingBalances, checkpoint.Epoch, checkpoint.Root)
}

// retain drops the balances of checkpoints before finalizedEpoch, except those the store may still need.
func (c *balanceCache) retain(finalizedEpoch primitives.Epoch, keep ...types.Checkpoint) {
	for cp := range c.byCheckpoint {
		if cp.Epoch >= finalizedEpoch {
			continue
		}
		needed := false
		for _, k := range keep {
			needed = needed || k == cp
		}
		if !needed {
			delete(c.byCheckpoint, cp)
		}
	}
}
