package main

import (
	"log/slog"
	"time"

	"github.com/salamander-client/salamander/blocksync"
	"github.com/salamander-client/salamander/chain"
	"github.com/salamander-client/salamander/config"
	"github.com/salamander-client/salamander/devnet"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/supervisor"
	"github.com/salamander-client/salamander/transition/block"
)

// optimisticWarning is logged once at start by a node that follows a chain without an execution client.
const optimisticWarning = "No execution client is configured: following the chain optimistically, every execution " +
	"payload unverified (NOT_VALIDATED); blocks with blobs cannot be imported until column sidecars are retrieved"

// followChain configures, for salamander run, the chain's actors of a node that follows the network's chain
// without validators: the state transition, fork choice, and blocksync with range sync from peers. There is no
// execution client yet: every payload is NOT_VALIDATED and every block imported optimistically (optimistic sync),
// and a block with blobs is unavailable, since column sidecars are not retrieved from the network yet.
func followChain(cfg config.Config) func(*slog.Logger, chainStart, store.Config) (supervisor.ChainOptions, error) {
	return func(logger *slog.Logger, start chainStart, storeCfg store.Config) (supervisor.ChainOptions, error) {
		if !start.hasChain {
			return supervisor.ChainOptions{}, nil
		}
		spec := cfg.Chain.Spec
		logger.Warn(optimisticWarning)
		return devnet.ChainActors(devnet.ChainActorsOptions{
			Spec:         spec,
			Reader:       storeCfg.Options.Reader,
			Engine:       block.NotValidatedEngine{},
			Availability: chain.NetworkAvailability(spec),
			BlockSync: blocksync.Config{
				Optimistic:  true,
				RangeSync:   true,
				FollowDelay: time.Duration(spec.SecondsPerSlot) * time.Second / 3,
			},
		}), nil
	}
}
