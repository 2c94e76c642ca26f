// Package store is Salamander's persistent chain store on bbolt: blocks by root, the canonical slot index, hot states
// at epoch boundaries and finalized checkpoints, cold finalized states thinned to one per N epochs, the fork-choice
// anchor and checkpoints, and the network identity of the data directory.
//
// The core (DB, Reader) is a plain Go API over SSZ blobs and roots; it never decodes a whole block or state. The
// store actor owns the only writable DB; everyone else reads through a Reader, whose getters are bbolt read
// transactions and safe for concurrent use.
package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
)

// FileName is the database file inside the node's data directory.
const FileName = "beacon.db"

// Defaults of Options.
const (
	DefaultColdStateEpochs = 256
	DefaultLockTimeout     = 2 * time.Second
)

// Path is the database file of a data directory.
func Path(dataDir string) string { return filepath.Join(dataDir, FileName) }

// Options configure a DB.
type Options struct {
	// Network is compared with the data directory's identity; a mismatch refuses to open.
	Network Network
	// ColdStateEpochs keeps one finalized state per this many epochs (states whose epoch is a multiple of it).
	// Zero means DefaultColdStateEpochs.
	ColdStateEpochs uint64
	// HistoryEpochs, when non-zero, deletes finalized blocks and cold states older than this many epochs behind
	// the finalized checkpoint. Zero keeps the whole history since the first anchor.
	HistoryEpochs uint64
	// LockTimeout bounds the wait for the file lock held by another process. Zero means DefaultLockTimeout.
	LockTimeout time.Duration
	// Reader, when set, is the read view the opened DB publishes itself through, so that readers handed out
	// before a restart of the store's owner keep working once it reopens the database.
	Reader *Reader
	// NoSync skips fsync after each commit: a crashed process loses nothing, a crashed machine may lose the last
	// commits. For tests and benchmarks only.
	NoSync bool
}

// DB is the writable store. One owner (the store actor) writes; reads go through the embedded Reader.
type DB struct {
	*Reader
	bolt *bbolt.DB
	path string
	opts Options
}

// Open opens (creating if needed) the database in dataDir and checks it belongs to opts.Network.
func Open(dataDir string, opts Options) (*DB, error) {
	if opts.ColdStateEpochs == 0 {
		opts.ColdStateEpochs = DefaultColdStateEpochs
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.Network.Preset == "" {
		return nil, errors.New("open store: Options.Network.Preset is empty")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dataDir, classifyOpenError(err))
	}
	path := Path(dataDir)
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout:      opts.LockTimeout,
		FreelistType: bbolt.FreelistArrayType,
		NoSync:       opts.NoSync,
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("open %s: %w (waited %s; is another salamander running on this data directory?)", path, ErrLocked, opts.LockTimeout)
		}
		return nil, fmt.Errorf("open %s: %w", path, classifyOpenError(err))
	}
	db := &DB{bolt: bdb, path: path, opts: opts, Reader: opts.Reader}
	if db.Reader == nil {
		db.Reader = NewReader()
	}
	if err := bdb.Update(db.initialize); err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("open %s: %w", path, classifyOpenError(err))
	}
	db.Reader.attach(bdb)
	return db, nil
}

// initialize creates the buckets of a new file and checks the schema and network of an existing one.
func (db *DB) initialize(tx *bbolt.Tx) error {
	if meta := tx.Bucket(bucketMeta); meta == nil || meta.Get(metaSchema) == nil {
		// A new file is empty; a bbolt file with buckets of its own is some other program's.
		var foreign []string
		_ = tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			foreign = append(foreign, string(name))
			return nil
		})
		if len(foreign) > 0 {
			return fmt.Errorf("%w: not a salamander database (it has buckets %q and no schema record)", ErrCorrupt, foreign)
		}
	}
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := tx.Bucket(bucketMeta)
	if v := meta.Get(metaSchema); v == nil {
		if err := meta.Put(metaSchema, binary.BigEndian.AppendUint64(nil, schemaVersion)); err != nil {
			return err
		}
	} else if len(v) != 8 {
		return fmt.Errorf("%w: schema record of %d bytes", ErrCorrupt, len(v))
	} else if got := binary.BigEndian.Uint64(v); got != schemaVersion {
		return fmt.Errorf("%w: file has schema %d, this binary reads %d", ErrSchemaVersion, got, schemaVersion)
	}
	if v := meta.Get(metaIdentity); v != nil {
		id, err := decodeIdentity(v)
		if err != nil {
			return err
		}
		return checkNetwork(id, db.opts.Network)
	}
	return nil
}

// classifyOpenError maps the OS and bbolt errors of opening a file to the store's sentinels, keeping the cause.
func classifyOpenError(err error) error {
	switch {
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS), errors.Is(err, berrors.ErrDatabaseReadOnly):
		return fmt.Errorf("%w: %w", ErrNotWritable, err)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	case errors.Is(err, ErrWrongNetwork), errors.Is(err, ErrSchemaVersion), errors.Is(err, ErrCorrupt):
		return err
	default:
		return fmt.Errorf("%w: %w", ErrDiskFailure, err)
	}
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Close detaches the readers and closes the file; it waits for running read transactions.
func (db *DB) Close() error {
	db.Reader.detach(db.bolt)
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("close %s: %w", db.path, err)
	}
	return nil
}

// update runs a write transaction. Errors from fn (validation, bad input) roll it back and come back as they are;
// a failure of the commit itself (write, fsync, grow) is wrapped in ErrDiskFailure and the file is closed, because
// bbolt gives no guarantee for the transaction after a failed commit. The file stays consistent: the meta page is
// written last, so a reopen sees the last successful commit.
func (db *DB) update(fn func(tx *bbolt.Tx) error) error {
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
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	default:
		db.failed()
		return fmt.Errorf("%w: commit to %s: %w", ErrDiskFailure, db.path, err)
	}
}

// failed closes the file after a disk failure so no later transaction builds on an uncertain state.
func (db *DB) failed() {
	db.Reader.detach(db.bolt)
	_ = db.bolt.Close()
}

// FileSize is the size of the database file in bytes.
func (db *DB) FileSize() (int64, error) {
	info, err := os.Stat(db.path)
	if err != nil {
		return 0, fmt.Errorf("stat %s: %w", db.path, err)
	}
	return info.Size(), nil
}

func epochStartSlot(e primitives.Epoch) primitives.Slot {
	return primitives.Slot(uint64(e) * params.SlotsPerEpoch)
}

func epochOf(s primitives.Slot) primitives.Epoch {
	return primitives.Epoch(uint64(s) / params.SlotsPerEpoch)
}

// SpaceStats describe how the file's space is used.
type SpaceStats struct {
	FileSize  int64 // bytes on disk; bbolt grows the file in steps (doubling up to 16 MiB, then 16 MiB at a time)
	HighWater int64 // bytes up to the highest page in use: what the data needs, free pages inside included
	FreeBytes int64 // bytes of free pages below the high-water mark, reused by later writes
}

// SpaceStats reports the file's use of space.
func (db *DB) SpaceStats() (SpaceStats, error) {
	var st SpaceStats
	var err error
	if st.FileSize, err = db.FileSize(); err != nil {
		return st, err
	}
	err = db.bolt.View(func(tx *bbolt.Tx) error {
		st.HighWater = tx.Size()
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("space stats: %w", err)
	}
	bs := db.bolt.Stats()
	st.FreeBytes = int64(bs.FreeAlloc)
	return st, nil
}
