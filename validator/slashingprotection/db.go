// Package slashingprotection is the validator's slashing protection database on bbolt: every block and attestation
// a validator signs is checked against, and recorded in, its signing history in one transaction before the
// signature is made, so that no crash, restart or concurrent duty can make it sign a slashable pair.
//
// The database keeps the complete history (EIP-3076's "complete" strategy) and enforces all of EIP-3076's
// conditions at all times, for messages signed here and imported alike:
//
//   - blocks: no second block at a slot (unless it is the same block again, by signing root), and nothing at or
//     below the validator's earliest recorded block or the low watermark of an import;
//   - attestations: no second attestation for a target epoch (unless the same one again), none that surrounds or
//     is surrounded by a recorded one, none with a source below the earliest recorded source or the import's low
//     watermark, none with a target at or below the earliest recorded target or the watermark.
//
// Import (EIP-3076 interchange format v5, complete or minimal) merges the file's messages into the history. Because
// the history of the imported messages before their earliest one is unknown, an import raises the validator's low
// watermarks to the earliest imported slot, source and target: signing at or below them is refused, so no gap in
// the history can be signed into. A message without a signing root, or two different messages at one slot or
// epoch pair, is kept with no signing root, which refuses every new message there.
//
// The database is bound to one chain by its genesis validators root; an interchange of another chain is refused.
// bbolt's file lock makes a second process (a second validator, or an export while one runs) wait and fail with
// ErrLocked.
package slashingprotection

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/salamander-client/salamander/primitives"
)

// FileName is the database file inside the node's data directory.
const FileName = "slashing-protection.db"

// DefaultLockTimeout bounds the wait for another process's lock when Options.LockTimeout is zero.
const DefaultLockTimeout = 2 * time.Second

// schemaVersion is bumped on any incompatible change of the layout below.
const schemaVersion = 1

// Layout:
//
//	meta/schema                         uint64
//	meta/genesis_validators_root        32 bytes
//	validators/<pubkey>/blocks          slot (8 BE) -> signing root (32 bytes, or empty for none)
//	validators/<pubkey>/attestations    target (8 BE) | source (8 BE) -> signing root (32 bytes, or empty)
//	validators/<pubkey>/low_slot        uint64 watermarks set by imports; absent when none
//	validators/<pubkey>/low_source
//	validators/<pubkey>/low_target
//	validators/<pubkey>/attestation_summary   min source | max source | max target of the attestations
var (
	bucketMeta         = []byte("meta")
	bucketValidators   = []byte("validators")
	bucketBlocks       = []byte("blocks")
	bucketAttestations = []byte("attestations")

	keySchema                = []byte("schema")
	keyGenesisValidatorsRoot = []byte("genesis_validators_root")
	keyLowSlot               = []byte("low_slot")
	keyLowSource             = []byte("low_source")
	keyLowTarget             = []byte("low_target")
)

// Path is the database file of a data directory.
func Path(dataDir string) string { return filepath.Join(dataDir, FileName) }

// Options configure Open.
type Options struct {
	// LockTimeout bounds the wait for the lock of another process; zero means DefaultLockTimeout.
	LockTimeout time.Duration
	// NoSync skips fsync after each commit. For tests only: a validator that loses a record may double sign.
	NoSync bool
}

// DB is a slashing protection database. It is safe for concurrent use: bbolt serializes the write transactions in
// which every check and its record happen together.
type DB struct {
	bolt   *bbolt.DB
	path   string
	closed atomic.Bool
}

// Open opens, creating it if needed, the database file at path.
func Open(path string, opts Options) (*DB, error) {
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create directory of %s: %w", path, err)
	}
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: timeout, NoSync: opts.NoSync})
	if err != nil {
		switch {
		case errors.Is(err, berrors.ErrTimeout):
			return nil, fmt.Errorf("open %s: %w (waited %s; is a validator running on it?)", path, ErrLocked, timeout)
		case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
			return nil, fmt.Errorf("open %s: %w: %w", path, ErrCorrupt, err)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := &DB{bolt: bdb, path: path}
	if err := db.update(initialize); err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

func initialize(tx *bbolt.Tx) error {
	if tx.Bucket(bucketMeta) == nil {
		var foreign []string
		_ = tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			foreign = append(foreign, string(name))
			return nil
		})
		if len(foreign) > 0 {
			return fmt.Errorf("%w: not a slashing protection database (it has buckets %q)", ErrCorrupt, foreign)
		}
	}
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	if _, err := tx.CreateBucketIfNotExists(bucketValidators); err != nil {
		return err
	}
	switch v := meta.Get(keySchema); {
	case v == nil:
		return meta.Put(keySchema, encodeUint64(schemaVersion))
	case len(v) != 8:
		return fmt.Errorf("%w: schema record of %d bytes", ErrCorrupt, len(v))
	case binary.BigEndian.Uint64(v) != schemaVersion:
		return fmt.Errorf("%w: schema %d, this binary reads %d", ErrCorrupt, binary.BigEndian.Uint64(v), schemaVersion)
	}
	return nil
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Close closes the database; it waits for running transactions.
func (db *DB) Close() error {
	if db.closed.Swap(true) {
		return nil
	}
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("close %s: %w", db.path, err)
	}
	return nil
}

// GenesisValidatorsRoot returns the root of the chain the database is bound to; ok is false when it is bound to
// none yet.
func (db *DB) GenesisValidatorsRoot() (root primitives.Root, ok bool, err error) {
	err = db.view(func(tx *bbolt.Tx) error {
		root, ok, err = genesisValidatorsRoot(tx)
		return err
	})
	return root, ok, err
}

// BindGenesisValidatorsRoot binds the database to the chain with genesis validators root root, or checks that it
// is bound to it already: a database of another chain is ErrWrongGenesisValidatorsRoot. A validator binds it
// before it signs anything.
func (db *DB) BindGenesisValidatorsRoot(root primitives.Root) error {
	return db.update(func(tx *bbolt.Tx) error { return bindGenesisValidatorsRoot(tx, root) })
}

func genesisValidatorsRoot(tx *bbolt.Tx) (primitives.Root, bool, error) {
	v := tx.Bucket(bucketMeta).Get(keyGenesisValidatorsRoot)
	switch len(v) {
	case 0:
		return primitives.Root{}, false, nil
	case 32:
		return primitives.Root(v), true, nil
	}
	return primitives.Root{}, false, fmt.Errorf("%w: genesis validators root of %d bytes", ErrCorrupt, len(v))
}

func bindGenesisValidatorsRoot(tx *bbolt.Tx, root primitives.Root) error {
	bound, ok, err := genesisValidatorsRoot(tx)
	switch {
	case err != nil:
		return err
	case !ok:
		return tx.Bucket(bucketMeta).Put(keyGenesisValidatorsRoot, root[:])
	case bound != root:
		return fmt.Errorf("%w: the database belongs to the chain of %#x, not %#x", ErrWrongGenesisValidatorsRoot, bound, root)
	}
	return nil
}

// requireChain fails unless the database is bound to a chain: the signing roots it compares carry the chain's
// genesis validators root, so records of an unbound database cannot be trusted to mean what they say.
func requireChain(tx *bbolt.Tx) error {
	if _, ok, err := genesisValidatorsRoot(tx); err != nil || !ok {
		if err == nil {
			err = ErrNoGenesisValidatorsRoot
		}
		return err
	}
	return nil
}

// view runs a read transaction.
func (db *DB) view(fn func(tx *bbolt.Tx) error) error {
	if db.closed.Load() {
		return ErrClosed
	}
	return db.bolt.View(fn)
}

// update runs a write transaction. An error of fn rolls it back and is returned as it is; a failure of the commit
// itself is ErrDiskFailure, after which the database is closed, because bbolt promises nothing for the next
// transaction and a validator that cannot record must not sign.
func (db *DB) update(fn func(tx *bbolt.Tx) error) error {
	if db.closed.Load() {
		return ErrClosed
	}
	var fnErr error
	err := db.bolt.Update(func(tx *bbolt.Tx) error {
		fnErr = fn(tx)
		return fnErr
	})
	switch {
	case err == nil:
		return nil
	case fnErr != nil:
		return fnErr
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return ErrClosed
	}
	_ = db.Close()
	return fmt.Errorf("%w: %w", ErrDiskFailure, err)
}

func encodeUint64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func decodeUint64(v []byte) (uint64, error) {
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: integer record of %d bytes", ErrCorrupt, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}
