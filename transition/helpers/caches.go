package helpers

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/types"
)

// Caches holds what the helpers would otherwise recompute from the state, shared by every state of a node and
// safe for concurrent use. Nothing in it is ever stale, because each entry is keyed by what decides it:
//
//   - The shuffling of epoch E (its active indices, seed and committees) is decided at the end of epoch E-2: the
//     active set of E was fixed earlier still (activations and exits take effect MAX_SEED_LOOKAHEAD+1 epochs after
//     they are processed) and the seed's RANDAO mix is that of E-2. The state at the last slot of E-2 is a function
//     of the last block at or before that slot, so the shuffling is keyed by (E, that block's root), read from the
//     state's block_roots. A state too far from E to know that root computes the shuffling without the cache.
//   - The total active balance of epoch E sums effective balances, which only epoch processing changes, over the
//     active set of E: it is keyed by (E, the root of the last block before E).
//   - Validator public keys never change once a validator is added. Indices are assigned in the finalized order of
//     the deposit queue, so every branch agrees on the validator at an index; the pubkey -> index map is
//     append-only, and each hit is still checked against the state's registry, falling back to a scan of the
//     state when a branch disagrees. Decompressed keys are cached by index and used only while the state's key
//     at that index has the same bytes.
//
// Proposers need no cache in Fulu: the state carries them (proposer_lookahead).
type Caches struct {
	mu         sync.Mutex
	shufflings lru[cacheKey, *Shuffling]
	balances   lru[cacheKey, primitives.Gwei]
	pubkeys    pubkeyCache
}

// DefaultShufflingCacheSize holds the previous, current and next epochs' shufflings of a few branches. A shuffling
// costs 16 bytes per active validator: 128 MiB for all eight at a million validators.
const DefaultShufflingCacheSize = 8

// NewCaches returns empty caches.
func NewCaches() *Caches {
	c := &Caches{
		shufflings: lru[cacheKey, *Shuffling]{limit: DefaultShufflingCacheSize},
		balances:   lru[cacheKey, primitives.Gwei]{limit: 4 * DefaultShufflingCacheSize},
	}
	c.pubkeys.indices = make(map[primitives.BLSPubkey]primitives.ValidatorIndex)
	return c
}

// cacheKey names an epoch's value on the branch of one deciding block.
type cacheKey struct {
	epoch primitives.Epoch
	root  primitives.Root
}

// knownBlockRoot returns the root of the last block at or before slot, when the state still records it.
func knownBlockRoot(state *types.BeaconState, slot primitives.Slot) (primitives.Root, bool) {
	root, err := GetBlockRootAtSlot(state, slot)
	return root, err == nil
}

// shufflingKey returns the key of epoch's shuffling: the epoch and the root of the last block of epoch-2 (of the
// genesis block for epochs 0 and 1).
func shufflingKey(state *types.BeaconState, epoch primitives.Epoch) (cacheKey, bool) {
	var decision primitives.Slot
	if epoch >= 2 {
		decision = ComputeStartSlotAtEpoch(epoch-1) - 1
	}
	root, ok := knownBlockRoot(state, decision)
	return cacheKey{epoch, root}, ok
}

// balanceKey returns the key of the current epoch's total active balance: the epoch and the root of the last
// block before it (of the genesis block for epoch 0).
func balanceKey(state *types.BeaconState) (cacheKey, bool) {
	epoch := GetCurrentEpoch(state)
	var decision primitives.Slot
	if epoch >= 1 {
		decision = ComputeStartSlotAtEpoch(epoch) - 1
	}
	root, ok := knownBlockRoot(state, decision)
	return cacheKey{epoch, root}, ok
}

// Shuffling is an epoch's committee assignment: its active validators in index order and, computed on first use,
// the whole list in committee order. It is immutable once built and shared: never modify its slices.
type Shuffling struct {
	Epoch             primitives.Epoch
	Seed              primitives.Bytes32 // get_seed(state, Epoch, DOMAIN_BEACON_ATTESTER)
	ActiveIndices     []primitives.ValidatorIndex
	CommitteesPerSlot uint64

	once     sync.Once
	shuffled []primitives.ValidatorIndex
}

func newShuffling(state *types.BeaconState, epoch primitives.Epoch) *Shuffling {
	active := computeActiveValidatorIndices(state, epoch)
	return &Shuffling{
		Epoch:             epoch,
		Seed:              GetSeed(state, epoch, params.DomainBeaconAttester),
		ActiveIndices:     active,
		CommitteesPerSlot: committeeCountPerSlot(uint64(len(active))),
	}
}

// Shuffled returns the active indices in committee order (ShuffleList), computing them on first use.
func (s *Shuffling) Shuffled() []primitives.ValidatorIndex {
	s.once.Do(func() { s.shuffled = ShuffleList(s.ActiveIndices, s.Seed) })
	return s.shuffled
}

// Committee returns committee index of slot, a slot of the shuffling's epoch.
func (s *Shuffling) Committee(slot primitives.Slot, index primitives.CommitteeIndex) ([]primitives.ValidatorIndex, error) {
	if epoch := ComputeEpochAtSlot(slot); epoch != s.Epoch {
		return nil, fmt.Errorf("%w: slot %d is in epoch %d, not %d", ErrInvalidSlot, slot, epoch, s.Epoch)
	}
	if uint64(index) >= s.CommitteesPerSlot {
		return nil, fmt.Errorf("committee %d: %w: %d committees per slot", index, ErrIndexOutOfRange, s.CommitteesPerSlot)
	}
	count := s.CommitteesPerSlot * params.SlotsPerEpoch
	position := uint64(slot)%params.SlotsPerEpoch*s.CommitteesPerSlot + uint64(index)
	start, end, err := committeeBounds(uint64(len(s.ActiveIndices)), position, count)
	if err != nil {
		return nil, err
	}
	return s.Shuffled()[start:end:end], nil
}

// shufflingFor returns epoch's shuffling as the state decides it, from the caches when they hold it.
func (env *Env) shufflingFor(state *types.BeaconState, epoch primitives.Epoch) *Shuffling {
	key, ok := shufflingKey(state, epoch)
	if env.Caches == nil || !ok {
		return newShuffling(state, epoch)
	}
	c := env.Caches
	c.mu.Lock()
	s, hit := c.shufflings.get(key)
	c.mu.Unlock()
	if hit {
		return s
	}
	s = newShuffling(state, epoch)
	c.mu.Lock()
	defer c.mu.Unlock()
	if existing, hit := c.shufflings.get(key); hit { // another goroutine got there first
		return existing
	}
	c.shufflings.put(key, s)
	return s
}

// GetShuffling returns epoch's committee assignment as the state decides it, from the caches when they hold it:
// every committee of the epoch at once (Shuffling.Committee), for duties and the beacon API. Never modify it.
func GetShuffling(env *Env, state *types.BeaconState, epoch primitives.Epoch) *Shuffling {
	return env.shufflingFor(state, epoch)
}

// PrepareCommittees computes epoch's committees (the whole-list shuffle) ahead of use and keeps them in the caches,
// so that the first block of the epoch does not pay for them. Run it off the block import path, for the next epoch
// once a state has entered an epoch; it does nothing useful without caches.
func PrepareCommittees(env *Env, state *types.BeaconState, epoch primitives.Epoch) {
	env.shufflingFor(state, epoch).Shuffled()
}

// totalActiveBalance returns get_total_active_balance, from the caches when they hold it.
func (env *Env) totalActiveBalance(state *types.BeaconState) (primitives.Gwei, error) {
	key, ok := balanceKey(state)
	if env.Caches != nil && ok {
		env.Caches.mu.Lock()
		total, hit := env.Caches.balances.get(key)
		env.Caches.mu.Unlock()
		if hit {
			return total, nil
		}
	}
	total, err := GetTotalBalance(state, GetActiveValidatorIndices(env, state, GetCurrentEpoch(state)))
	if err != nil {
		return 0, fmt.Errorf("get_total_active_balance: %w", err)
	}
	if env.Caches != nil && ok {
		env.Caches.mu.Lock()
		env.Caches.balances.put(key, total)
		env.Caches.mu.Unlock()
	}
	return total, nil
}

// lru is a small least-recently-used map; its few entries are found by a linear scan.
type lru[K comparable, V any] struct {
	limit   int
	entries []lruEntry[K, V]
}

type lruEntry[K comparable, V any] struct {
	key   K
	value V
}

func (l *lru[K, V]) get(key K) (V, bool) {
	for i, e := range l.entries {
		if e.key == key {
			copy(l.entries[i:], l.entries[i+1:])
			l.entries[len(l.entries)-1] = e
			return e.value, true
		}
	}
	var zero V
	return zero, false
}

func (l *lru[K, V]) put(key K, value V) {
	if len(l.entries) >= l.limit {
		copy(l.entries, l.entries[1:])
		l.entries = l.entries[:len(l.entries)-1]
	}
	l.entries = append(l.entries, lruEntry[K, V]{key, value})
}

// pubkeyCache maps validator public keys to indices and indices to decompressed keys, for every validator of every
// state it has seen, in the index order all branches share.
type pubkeyCache struct {
	mu      sync.RWMutex
	indices map[primitives.BLSPubkey]primitives.ValidatorIndex // the first index each key was seen at
	byIndex []pubkeyEntry
}

type pubkeyEntry struct {
	raw primitives.BLSPubkey
	key atomic.Pointer[bls.PublicKey] // decompressed on first use
}

// add records pubkey at index, as add_validator_to_registry appends it.
func (c *pubkeyCache) add(pubkey primitives.BLSPubkey, index primitives.ValidatorIndex) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.indices[pubkey]; !ok {
		c.indices[pubkey] = index
	}
	if uint64(index) == uint64(len(c.byIndex)) {
		c.byIndex = append(c.byIndex, pubkeyEntry{raw: pubkey})
	}
}

// sync records the state's validators the cache has not seen. A state that disagrees with the recorded order at
// its last known index (a branch that assigned indices differently, which finality rules out) has all its keys
// recorded, so that a lookup finds them by a mismatch and a scan rather than missing them.
func (c *pubkeyCache) sync(state *types.BeaconState) {
	n := len(state.Validators)
	c.mu.RLock()
	known := len(c.byIndex)
	agrees := n == 0 || (n <= known && c.byIndex[n-1].raw == state.Validators[n-1].Pubkey) ||
		(n > known && (known == 0 || c.byIndex[known-1].raw == state.Validators[known-1].Pubkey))
	c.mu.RUnlock()
	if agrees && n <= known {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	start := len(c.byIndex)
	if !agrees {
		start = 0
	}
	for i := start; i < n; i++ {
		pubkey := state.Validators[i].Pubkey
		if _, ok := c.indices[pubkey]; !ok {
			c.indices[pubkey] = primitives.ValidatorIndex(i)
		}
		if i == len(c.byIndex) {
			c.byIndex = append(c.byIndex, pubkeyEntry{raw: pubkey})
		}
	}
}

// ValidatorIndexByPubkey returns the index of the validator with pubkey (the spec's
// validator_pubkeys.index(pubkey)), and whether there is one.
func ValidatorIndexByPubkey(env *Env, state *types.BeaconState, pubkey primitives.BLSPubkey) (primitives.ValidatorIndex, bool) {
	if env.Caches != nil {
		c := &env.Caches.pubkeys
		c.sync(state)
		c.mu.RLock()
		index, ok := c.indices[pubkey]
		c.mu.RUnlock()
		// Every branch puts a key at the same index, so a key unknown or recorded beyond this state's registry
		// is not in it (a validator another branch added already, say).
		if !ok || uint64(index) >= uint64(len(state.Validators)) {
			return 0, false
		}
		if state.Validators[index].Pubkey == pubkey {
			return index, true
		}
		// This state holds another key at that index: it disagrees with the recorded order, so look the key up
		// the slow way.
	}
	for i, v := range state.Validators {
		if v.Pubkey == pubkey {
			return primitives.ValidatorIndex(i), true
		}
	}
	return 0, false
}

// ValidatorPublicKey returns the decompressed public key of validator index.
func ValidatorPublicKey(env *Env, state *types.BeaconState, index primitives.ValidatorIndex) (*bls.PublicKey, error) {
	v, err := validatorAt(state, index)
	if err != nil {
		return nil, err
	}
	if env.Caches == nil {
		return decompress(v.Pubkey, index)
	}
	c := &env.Caches.pubkeys
	c.mu.RLock()
	var entry *pubkeyEntry
	if uint64(index) < uint64(len(c.byIndex)) && c.byIndex[index].raw == v.Pubkey {
		entry = &c.byIndex[index]
	}
	var key *bls.PublicKey
	if entry != nil {
		key = entry.key.Load()
	}
	c.mu.RUnlock()
	if key != nil {
		return key, nil
	}
	key, err = decompress(v.Pubkey, index)
	if err != nil {
		return nil, err
	}
	if entry != nil {
		c.mu.RLock() // byIndex may have grown (moved) since: store through a fresh look-up
		if uint64(index) < uint64(len(c.byIndex)) && c.byIndex[index].raw == v.Pubkey {
			c.byIndex[index].key.Store(key)
		}
		c.mu.RUnlock()
	} else {
		c.sync(state)
	}
	return key, nil
}

func decompress(raw primitives.BLSPubkey, index primitives.ValidatorIndex) (*bls.PublicKey, error) {
	key, err := bls.PublicKeyFromBytes(raw[:])
	if err != nil {
		return nil, fmt.Errorf("public key of validator %d: %w: %w", index, ErrInvalidPublicKey, err)
	}
	return key, nil
}

// AggregatePublicKey returns the sum of the public keys of the validators at indices (eth_aggregate_pubkeys).
func AggregatePublicKey(env *Env, state *types.BeaconState, indices []primitives.ValidatorIndex) (*bls.PublicKey, error) {
	return aggregatePublicKey(env, state, indices)
}

func aggregatePublicKey(env *Env, state *types.BeaconState, indices []primitives.ValidatorIndex) (*bls.PublicKey, error) {
	keys := make([]*bls.PublicKey, len(indices))
	for i, index := range indices {
		key, err := ValidatorPublicKey(env, state, index)
		if err != nil {
			return nil, err
		}
		keys[i] = key
	}
	aggregate, err := bls.AggregatePublicKeys(keys)
	if err != nil {
		return nil, fmt.Errorf("aggregate public keys: %w: %w", ErrInvalidPublicKey, err)
	}
	return aggregate, nil
}
