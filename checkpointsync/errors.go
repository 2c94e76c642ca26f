package checkpointsync

import (
	"errors"

	"github.com/salamander-client/salamander/store"
)

// Errors of checkpoint sync, one per check; the wrapped message says what was expected and what was found.
// A datadir or expected genesis of another network gives store.ErrWrongNetwork.
var (
	// ErrSource means the state or block could not be obtained: an unreachable server, an HTTP error, an
	// unreadable file.
	ErrSource = errors.New("checkpoint source failed")
	// ErrTooLarge means a download exceeded Options.MaxStateBytes or MaxBlockBytes.
	ErrTooLarge = errors.New("checkpoint download too large")
	// ErrDecode means the state or block is not valid Fulu SSZ.
	ErrDecode = errors.New("checkpoint data does not decode")
	// ErrWrongFork means the state or block is not of the Fulu fork of the configured chain.
	ErrWrongFork = errors.New("checkpoint is not at the configured Fulu fork")
	// ErrStateRootMismatch means the block does not commit to the state: its state_root is not the state's
	// hash_tree_root.
	ErrStateRootMismatch = errors.New("block state_root does not match the state")
	// ErrBlockRootMismatch means the state's latest block header is not the block.
	ErrBlockRootMismatch = errors.New("state latest_block_header does not match the block")
	// ErrWeakSubjectivity means the anchor is not on the chain of the weak-subjectivity checkpoint given by the
	// user, or cannot be checked against it.
	ErrWeakSubjectivity = errors.New("weak subjectivity checkpoint check failed")
	// ErrNotGenesis means a genesis state is not at slot 0 or its latest block header is not a genesis block's.
	ErrNotGenesis = errors.New("not a genesis state")
)

// FailedCheck names the check err failed, for logs and operators: "state root", "block root", "fork", "network",
// "weak subjectivity checkpoint", "genesis", "decoding", "size" or "source"; "" when err is none of these.
func FailedCheck(err error) string {
	for _, c := range []struct {
		err  error
		name string
	}{
		{ErrStateRootMismatch, "state root"},
		{ErrBlockRootMismatch, "block root"},
		{ErrWrongFork, "fork"},
		{store.ErrWrongNetwork, "network"},
		{ErrWeakSubjectivity, "weak subjectivity checkpoint"},
		{ErrNotGenesis, "genesis"},
		{ErrDecode, "decoding"},
		{ErrTooLarge, "size"},
		{ErrSource, "source"},
		{ErrNoSource, "source"},
	} {
		if errors.Is(err, c.err) {
			return c.name
		}
	}
	return ""
}
