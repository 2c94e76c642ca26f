package statecache

import (
	"fmt"

	"github.com/prysmaticlabs/gohashtree"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/sszkit"
	"github.com/salamander-client/salamander/types"
)

// stateLeaves is the width of the state's own tree: its 38 fields padded to a power of two.
const stateLeaves = 64

// Cache is a tree-hash cache of a BeaconState: it keeps the hash tree of the state it last hashed and computes the
// root of a new state by re-hashing only the parts that differ from it. See the package documentation.
//
// The zero Cache is empty and ready to use. A Cache is not safe for concurrent use: one goroutine at a time may
// call its methods, Copy included (Copy changes the original too: it marks its pages shared).
type Cache struct {
	built bool
	run   runner // goroutines' scratch space, never shared with copies

	blockRoots                 merkleTree
	stateRoots                 merkleTree
	historicalRoots            merkleTree
	eth1DataVotes              containerList[types.Eth1Data]
	validators                 containerList[types.Validator]
	balances                   merkleTree
	randaoMixes                merkleTree
	slashings                  merkleTree
	previousEpochParticipation merkleTree
	currentEpochParticipation  merkleTree
	inactivityScores           merkleTree
	currentSyncCommittee       syncCommitteeRoot
	nextSyncCommittee          syncCommitteeRoot
	historicalSummaries        containerList[types.HistoricalSummary]
	pendingDeposits            containerList[types.PendingDeposit]
	pendingPartialWithdrawals  containerList[types.PendingPartialWithdrawal]
	pendingConsolidations      containerList[types.PendingConsolidation]
	proposerLookahead          merkleTree
}

// New returns a cache of state and state's hash_tree_root, hashing the whole state once.
func New(state *types.BeaconState) (*Cache, primitives.Root, error) {
	c := new(Cache)
	root, err := c.HashTreeRoot(state)
	if err != nil {
		return nil, primitives.Root{}, err
	}
	return c, root, nil
}

// init gives an empty cache its empty trees.
func (c *Cache) init() {
	const (
		uint64sPerChunk = 4
		bytesPerChunk   = 32
	)
	run := c.run
	if run.workspaces == nil {
		run = newRunner()
	}
	*c = Cache{
		built:                      true,
		run:                        run,
		blockRoots:                 newMerkleTree(params.SlotsPerHistoricalRoot),
		stateRoots:                 newMerkleTree(params.SlotsPerHistoricalRoot),
		historicalRoots:            newMerkleTree(params.HistoricalRootsLimit),
		eth1DataVotes:              newContainerList(params.EpochsPerEth1VotingPeriod*params.SlotsPerEpoch, hashEth1Data, nil, false),
		validators:                 newContainerList(params.ValidatorRegistryLimit, hashValidators, sameValidator, false),
		balances:                   newMerkleTree(chunksFor(params.ValidatorRegistryLimit, uint64sPerChunk)),
		randaoMixes:                newMerkleTree(params.EpochsPerHistoricalVector),
		slashings:                  newMerkleTree(chunksFor(params.EpochsPerSlashingsVector, uint64sPerChunk)),
		previousEpochParticipation: newMerkleTree(chunksFor(params.ValidatorRegistryLimit, bytesPerChunk)),
		currentEpochParticipation:  newMerkleTree(chunksFor(params.ValidatorRegistryLimit, bytesPerChunk)),
		inactivityScores:           newMerkleTree(chunksFor(params.ValidatorRegistryLimit, uint64sPerChunk)),
		historicalSummaries:        newContainerList(params.HistoricalRootsLimit, hashHistoricalSummaries, nil, false),
		pendingDeposits:            newContainerList(params.PendingDepositsLimit, hashPendingDeposits, nil, true),
		pendingPartialWithdrawals:  newContainerList(params.PendingPartialWithdrawalsLimit, hashPendingPartialWithdrawals, nil, true),
		pendingConsolidations:      newContainerList(params.PendingConsolidationsLimit, hashPendingConsolidations, nil, true),
		proposerLookahead:          newMerkleTree(chunksFor(types.ProposerLookaheadLength, uint64sPerChunk)),
	}
}

func chunksFor(elements, perChunk uint64) uint64 {
	return (elements + perChunk - 1) / perChunk
}

// HashTreeRoot returns hash_tree_root(state), re-hashing only what differs from the state this cache hashed last
// (or everything, the first time). state may be any BeaconState, not only a descendant of the last one; the cost
// is what differs. The state is only read.
//
// A state that breaks its SSZ type has no root: a list over its limit (ErrListTooLong) is refused before anything
// is hashed; a nil list element (ErrNilElement) is found while hashing and drops the cache, which the next call
// rebuilds. A nil container field (fork, checkpoints, sync committees, the payload header...) hashes as its zero
// value, as karalabe/ssz does.
func (c *Cache) HashTreeRoot(state *types.BeaconState) (primitives.Root, error) {
	if state == nil {
		return primitives.Root{}, fmt.Errorf("hash state: %w", ErrNilState)
	}
	if err := checkLimits(state); err != nil {
		return primitives.Root{}, fmt.Errorf("hash state: %w", err)
	}
	if !c.built {
		c.init()
	}
	var leaves [stateLeaves][32]byte
	if err := c.fieldRoots(state, &leaves); err != nil {
		c.drop()
		return primitives.Root{}, fmt.Errorf("hash state: %w", err)
	}
	chunks := leaves[:]
	for len(chunks) > 1 {
		gohashtree.HashChunks(chunks[:len(chunks)/2], chunks)
		chunks = chunks[:len(chunks)/2]
	}
	return chunks[0], nil
}

// Copy returns a cache with the same contents that diverges independently from c: each of the two copies the pages
// it changes before changing them, so a copy costs the page tables (a few MiB for a million validators) and a
// diverging copy pays for the pages it touches.
func (c *Cache) Copy() *Cache {
	if !c.built {
		return &Cache{run: c.run.fresh()}
	}
	return &Cache{
		built:                      true,
		run:                        c.run.fresh(),
		blockRoots:                 c.blockRoots.share(),
		stateRoots:                 c.stateRoots.share(),
		historicalRoots:            c.historicalRoots.share(),
		eth1DataVotes:              c.eth1DataVotes.share(),
		validators:                 c.validators.share(),
		balances:                   c.balances.share(),
		randaoMixes:                c.randaoMixes.share(),
		slashings:                  c.slashings.share(),
		previousEpochParticipation: c.previousEpochParticipation.share(),
		currentEpochParticipation:  c.currentEpochParticipation.share(),
		inactivityScores:           c.inactivityScores.share(),
		currentSyncCommittee:       c.currentSyncCommittee,
		nextSyncCommittee:          c.nextSyncCommittee,
		historicalSummaries:        c.historicalSummaries.share(),
		pendingDeposits:            c.pendingDeposits.share(),
		pendingPartialWithdrawals:  c.pendingPartialWithdrawals.share(),
		pendingConsolidations:      c.pendingConsolidations.share(),
		proposerLookahead:          c.proposerLookahead.share(),
	}
}

// Size returns the bytes of memory the cache holds, counting pages it shares with copies in full.
func (c *Cache) Size() uint64 {
	if !c.built {
		return 0
	}
	total := c.blockRoots.bytes() + c.stateRoots.bytes() + c.historicalRoots.bytes() + c.eth1DataVotes.bytes() +
		c.validators.bytes() + c.balances.bytes() + c.randaoMixes.bytes() + c.slashings.bytes() +
		c.previousEpochParticipation.bytes() + c.currentEpochParticipation.bytes() + c.inactivityScores.bytes() +
		c.historicalSummaries.bytes() + c.pendingDeposits.bytes() + c.pendingPartialWithdrawals.bytes() +
		c.pendingConsolidations.bytes() + c.proposerLookahead.bytes()
	for _, sc := range []*syncCommitteeRoot{&c.currentSyncCommittee, &c.nextSyncCommittee} {
		if sc.shadow != nil {
			total += types.SyncCommitteeSize
		}
	}
	return total
}

// drop empties the cache after a failed update left part of it inconsistent.
func (c *Cache) drop() {
	*c = Cache{run: c.run}
}

// checkLimits refuses a state with a list longer than its limit before any of it is hashed.
func checkLimits(s *types.BeaconState) error {
	lists := []struct {
		name  string
		n     int
		limit uint64
	}{
		{"historical_roots", len(s.HistoricalRoots), params.HistoricalRootsLimit},
		{"eth1_data_votes", len(s.Eth1DataVotes), params.EpochsPerEth1VotingPeriod * params.SlotsPerEpoch},
		{"validators", len(s.Validators), params.ValidatorRegistryLimit},
		{"balances", len(s.Balances), params.ValidatorRegistryLimit},
		{"previous_epoch_participation", len(s.PreviousEpochParticipation), params.ValidatorRegistryLimit},
		{"current_epoch_participation", len(s.CurrentEpochParticipation), params.ValidatorRegistryLimit},
		{"inactivity_scores", len(s.InactivityScores), params.ValidatorRegistryLimit},
		{"historical_summaries", len(s.HistoricalSummaries), params.HistoricalRootsLimit},
		{"pending_deposits", len(s.PendingDeposits), params.PendingDepositsLimit},
		{"pending_partial_withdrawals", len(s.PendingPartialWithdrawals), params.PendingPartialWithdrawalsLimit},
		{"pending_consolidations", len(s.PendingConsolidations), params.PendingConsolidationsLimit},
	}
	for _, l := range lists {
		if uint64(l.n) > l.limit {
			return fmt.Errorf("%s: %w: have %d, max %d", l.name, ErrListTooLong, l.n, l.limit)
		}
	}
	return nil
}

// fieldRoots updates the cached fields from s and writes the field roots to leaves, in field order.
//
// The update runs in two phases. First the tasks of every field compare the state with the cache, copy what changed
// in and hash changed list elements: fields run concurrently, and the validators (most of the work) in several
// ranges. Then the trees of the fields are rehashed one after another above their changed leaves, each on all
// goroutines where a layer has many changed nodes.
func (c *Cache) fieldRoots(s *types.BeaconState, leaves *[stateLeaves][32]byte) error {
	var (
		tasks    []task
		finishes []func(*runner) error
		names    []string // of the fields whose tasks and finishes are listed, for errors
	)
	add := func(field string, p fieldPlan) {
		for _, t := range p.tasks {
			tasks = append(tasks, func(ws *workspace) error {
				if err := t(ws); err != nil {
					return fmt.Errorf("%s: %w", field, err)
				}
				return nil
			})
		}
		if p.finish != nil {
			finishes = append(finishes, p.finish)
			names = append(names, field)
		}
	}
	parts := 4 * len(c.run.workspaces)
	add("validators", c.validators.plan(s.Validators, parts))
	add("balances", planChunks(&c.balances, uint64Chunks(s.Balances)))
	add("inactivity_scores", planChunks(&c.inactivityScores, uint64Chunks(s.InactivityScores)))
	add("previous_epoch_participation", planChunks(&c.previousEpochParticipation, byteChunks(s.PreviousEpochParticipation)))
	add("current_epoch_participation", planChunks(&c.currentEpochParticipation, byteChunks(s.CurrentEpochParticipation)))
	add("randao_mixes", planChunks(&c.randaoMixes, rootChunks(s.RandaoMixes[:])))
	add("block_roots", planChunks(&c.blockRoots, rootChunks(s.BlockRoots[:])))
	add("state_roots", planChunks(&c.stateRoots, rootChunks(s.StateRoots[:])))
	add("historical_roots", planChunks(&c.historicalRoots, rootChunks(s.HistoricalRoots)))
	add("slashings", planChunks(&c.slashings, uint64Chunks(s.Slashings[:])))
	add("proposer_lookahead", planChunks(&c.proposerLookahead, uint64Chunks(s.ProposerLookahead[:])))
	add("eth1_data_votes", c.eth1DataVotes.plan(s.Eth1DataVotes, 1))
	add("historical_summaries", c.historicalSummaries.plan(s.HistoricalSummaries, 1))
	add("pending_deposits", c.pendingDeposits.plan(s.PendingDeposits, 1))
	add("pending_partial_withdrawals", c.pendingPartialWithdrawals.plan(s.PendingPartialWithdrawals, 1))
	add("pending_consolidations", c.pendingConsolidations.plan(s.PendingConsolidations, 1))
	tasks = append(tasks, func(*workspace) error {
		leaves[22] = c.currentSyncCommittee.update(s.CurrentSyncCommittee)
		leaves[23] = c.nextSyncCommittee.update(s.NextSyncCommittee)
		return nil
	})
	if err := c.run.run(tasks); err != nil {
		return err
	}
	for i, finish := range finishes {
		if err := finish(&c.run); err != nil {
			return fmt.Errorf("%s: %w", names[i], err)
		}
	}

	leaves[0] = uint64Chunk(s.GenesisTime)
	leaves[1] = s.GenesisValidatorsRoot
	leaves[2] = uint64Chunk(uint64(s.Slot))
	leaves[3] = containerRoot(s.Fork)
	leaves[4] = containerRoot(s.LatestBlockHeader)
	leaves[5] = c.blockRoots.root()
	leaves[6] = c.stateRoots.root()
	leaves[7] = sszkit.MixInLength(c.historicalRoots.root(), uint64(len(s.HistoricalRoots)))
	leaves[8] = containerRoot(s.Eth1Data)
	leaves[9] = c.eth1DataVotes.root()
	leaves[10] = uint64Chunk(s.Eth1DepositIndex)
	leaves[11] = c.validators.root()
	leaves[12] = sszkit.MixInLength(c.balances.root(), uint64(len(s.Balances)))
	leaves[13] = c.randaoMixes.root()
	leaves[14] = c.slashings.root()
	leaves[15] = sszkit.MixInLength(c.previousEpochParticipation.root(), uint64(len(s.PreviousEpochParticipation)))
	leaves[16] = sszkit.MixInLength(c.currentEpochParticipation.root(), uint64(len(s.CurrentEpochParticipation)))
	copy(leaves[17][:], s.JustificationBits[:])
	leaves[18] = containerRoot(s.PreviousJustifiedCheckpoint)
	leaves[19] = containerRoot(s.CurrentJustifiedCheckpoint)
	leaves[20] = containerRoot(s.FinalizedCheckpoint)
	leaves[21] = sszkit.MixInLength(c.inactivityScores.root(), uint64(len(s.InactivityScores)))
	leaves[24] = containerRoot(s.LatestExecutionPayloadHeader)
	leaves[25] = uint64Chunk(uint64(s.NextWithdrawalIndex))
	leaves[26] = uint64Chunk(uint64(s.NextWithdrawalValidatorIndex))
	leaves[27] = c.historicalSummaries.root()
	leaves[28] = uint64Chunk(s.DepositRequestsStartIndex)
	leaves[29] = uint64Chunk(uint64(s.DepositBalanceToConsume))
	leaves[30] = uint64Chunk(uint64(s.ExitBalanceToConsume))
	leaves[31] = uint64Chunk(uint64(s.EarliestExitEpoch))
	leaves[32] = uint64Chunk(uint64(s.ConsolidationBalanceToConsume))
	leaves[33] = uint64Chunk(uint64(s.EarliestConsolidationEpoch))
	leaves[34] = c.pendingDeposits.root()
	leaves[35] = c.pendingPartialWithdrawals.root()
	leaves[36] = c.pendingConsolidations.root()
	leaves[37] = c.proposerLookahead.root()
	return nil
}

// containerRoot returns the root of a small container field, hashed in full on every call (a few hashes); nil
// hashes as the zero value, as karalabe/ssz does.
func containerRoot[T any, P interface {
	*T
	types.Object
}](obj P) [32]byte {
	if obj == nil {
		obj = new(T)
	}
	return types.HashTreeRoot(obj)
}

// syncCommitteeRoot caches the root of a sync committee, which changes once per sync committee period: a shadow
// copy (never written, so copies of the cache share it) and its root.
type syncCommitteeRoot struct {
	shadow *types.SyncCommittee
	root   [32]byte
}

func (r *syncCommitteeRoot) update(committee *types.SyncCommittee) [32]byte {
	if committee == nil {
		committee = new(types.SyncCommittee)
	}
	if r.shadow == nil || *r.shadow != *committee {
		shadow := *committee
		r.shadow, r.root = &shadow, types.HashTreeRoot(&shadow)
	}
	return r.root
}
