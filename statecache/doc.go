// Package statecache is the tree-hash cache of a BeaconState: it keeps the hash tree of the state it hashed last
// and computes the hash_tree_root of the next one by re-hashing only what differs, so that block import does not
// pay for a whole-state hash (karalabe/ssz hashes the whole object on every call) at every slot.
//
// # Use
//
//	cache, root, err := statecache.New(state) // hashes the whole state once
//	...
//	root, err = cache.HashTreeRoot(state)     // re-hashes what changed since
//
// Keep one cache beside each state you will transition from. For a transition, copy the cache with the state and
// plug the copy into a copy of the Env:
//
//	postCache := cache.Copy()
//	env := *sharedEnv
//	env.StateRoot = postCache.HashTreeRoot
//	post, err := transition.StateTransition(ctx, &env, pre, block, opts)
//	// on success keep (post, postCache); on failure drop postCache: cache and pre are as they were.
//
// # How changes are found
//
// By comparison, not by notification: HashTreeRoot compares the state it is given with what the cache last hashed,
// so it works with any code that changes states in place or copies them (helpers.CopyState), and with any state at
// all: the result is exact whatever the state's history. Chunked fields (block_roots, state_roots, randao_mixes,
// historical_roots, balances, inactivity_scores, slashings, the participation lists, proposer_lookahead) are
// compared against the leaves of their trees, which are their serialized values, a 2 KiB page at a time. Lists of
// containers (validators, eth1_data_votes, historical_summaries, the pending_* queues) keep a shadow copy of every
// element and compare element by element; only the elements that differ are hashed again (in batches, gohashtree
// hashing many pairs per call), and only the paths above changed leaves are re-hashed, a layer at a time. A queue
// drained from the front (the pending_* lists) is recognized, and its elements keep their roots as they move.
// Sync committees keep a shadow copy and their root; small containers and scalars are hashed on every call.
//
// The alternative, dirty marks set by every mutator of the state transition, would skip the comparison, which is
// most of the cost of a call that changes little (about 30 ms of processor time for 2^20 validators on the
// development machine, nearly all of it reading the 128 MB of validators and their shadow; the hashing of a block's
// changes is a few ms). It was not chosen because one mutator that forgets its mark makes a wrong root, which forks
// the node off the network, and the transition writes the state's fields directly in many places.
//
// # Copies
//
// Every layer and shadow is stored in pages of about 2 KiB that copies share. Copy shares all pages and makes both
// caches clone a page before their first write to it, so a copy costs its page tables (about 3 MB for 2^20
// validators) and a diverging copy pays for the pages it changes (about 6 MB for a block's changes, 90 MB for an
// epoch transition's). A cache whose copy is thrown away is unaffected by anything the copy did.
//
// # Concurrency
//
// A Cache is used by one goroutine at a time, Copy included (it marks the original's pages shared). Inside a call
// the work is spread over GOMAXPROCS goroutines: the fields in parallel, the validator registry in ranges, and large
// layers of changed nodes in segments; concurrent pieces write disjoint pages. The state is only read, and must not
// change during the call.
//
// # Memory
//
// About 235 bytes per validator (for 2^20 validators): the validators' shadow (128) and tree (64), the balances'
// and inactivity scores' trees (16 each) and the participation lists' trees (4), plus the page tables. The leaves of
// packed lists are their own shadow.
package statecache
