package store

import (
	"errors"
	"syscall"
)

// Errors returned by the store. Callers match them with errors.Is; the wrapped message says what was expected and
// what was found.
var (
	// ErrDiskFailure wraps every error of the storage layer itself (a failed write, fsync, grow or read of the file).
	// After it the database is closed: the node must stop, because bbolt cannot promise the next transaction after
	// a failed commit. The file stays consistent: bbolt writes the meta page last.
	ErrDiskFailure = errors.New("database disk failure")
	// ErrLocked means another process holds the database's lock.
	ErrLocked = errors.New("database is locked by another process")
	// ErrNotWritable means the data directory or database file cannot be written (permissions, read-only mount).
	ErrNotWritable = errors.New("database location is not writable")
	// ErrCorrupt means the file is not a Salamander database or is damaged.
	ErrCorrupt = errors.New("database is corrupt")
	// ErrSchemaVersion means the file was written by an incompatible (newer) version of Salamander.
	ErrSchemaVersion = errors.New("unsupported database schema version")
	// ErrWrongNetwork means the data directory belongs to another network (preset, fork versions, genesis).
	ErrWrongNetwork = errors.New("data directory belongs to another network")
	// ErrUnavailable means the store is not open (closed, or being reopened after a restart of its actor).
	ErrUnavailable = errors.New("store unavailable")
	// ErrNotFound means the requested block, state or record is not stored.
	ErrNotFound = errors.New("not found in store")
	// ErrNoAnchor means the database holds no chain yet: it needs a genesis or checkpoint state.
	ErrNoAnchor = errors.New("database has no anchor state")
	// ErrAlreadyAnchored means an anchor was given to a database that already holds a chain.
	ErrAlreadyAnchored = errors.New("database already holds a chain")
	// ErrMalformedSSZ means a block or state blob is too short or its fixed fields are inconsistent.
	ErrMalformedSSZ = errors.New("malformed SSZ")
	// ErrMismatch means a blob disagrees with the roots or slots given beside it.
	ErrMismatch = errors.New("blob does not match its description")
	// ErrUnknownParent means a block's parent is not stored.
	ErrUnknownParent = errors.New("unknown parent block")
	// ErrUnknownBlock means a head or checkpoint names a block that is not stored.
	ErrUnknownBlock = errors.New("unknown block")
	// ErrConflictsWithFinality means a block, head or checkpoint does not descend from the finalized checkpoint.
	ErrConflictsWithFinality = errors.New("conflicts with the finalized checkpoint")
	// ErrCheckpointRegression means a justified or finalized checkpoint would move to a lower epoch.
	ErrCheckpointRegression = errors.New("checkpoint epoch would decrease")
	// ErrMissingFinalizedState means finality moved to a checkpoint for which no state is stored or given.
	ErrMissingFinalizedState = errors.New("no state stored for the finalized checkpoint")
)

// Describe is a one-line account of a store error for the node's operator, such as "Database failure: disk
// full" or "Database is locked by another process", or "" when err is none of the store's. The full error goes
// beside it: this line says what to fix, the error says where.
func Describe(err error) string {
	switch {
	case errors.Is(err, ErrLocked):
		return "Database is locked by another process"
	case errors.Is(err, ErrNotWritable):
		return "Database location is not writable"
	case errors.Is(err, ErrWrongNetwork):
		return "Data directory belongs to another network"
	case errors.Is(err, ErrSchemaVersion):
		return "Database was written by an incompatible version of Salamander"
	case errors.Is(err, ErrCorrupt):
		return "Database is corrupt"
	case errors.Is(err, ErrDiskFailure), errors.Is(err, ErrUnavailable):
		switch {
		case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
			return "Database failure: disk full"
		case errors.Is(err, syscall.EFBIG):
			return "Database failure: file size limit reached"
		case errors.Is(err, syscall.EROFS):
			return "Database failure: file system is read-only"
		case errors.Is(err, syscall.EIO):
			return "Database failure: I/O error"
		}
		return "Database failure"
	}
	return ""
}
