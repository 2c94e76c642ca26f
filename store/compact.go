package store

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// compactTxBytes bounds the memory of one copy transaction during Compact.
const compactTxBytes = 64 << 20

// CompactResult reports a compaction.
type CompactResult struct {
	Path          string
	SizeBefore    int64
	SizeAfter     int64
	KeysCopied    int
	Duration      time.Duration
	TemporaryPath string
}

// Compact rewrites the database of dataDir into a fresh file holding only live pages, checks the copy and
// atomically renames it over the original. bbolt reuses freed pages but never shrinks its file; this is the only
// way to give the space back. It is offline: it holds the database lock throughout, so with a node running it
// fails with ErrLocked. An interrupted compaction leaves the original untouched.
func Compact(dataDir string, lockTimeout time.Duration) (CompactResult, error) {
	start := time.Now()
	if lockTimeout <= 0 {
		lockTimeout = DefaultLockTimeout
	}
	path := Path(dataDir)
	res := CompactResult{Path: path, TemporaryPath: path + ".compact"}
	info, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return res, fmt.Errorf("compact: no database at %s: %w", path, ErrNotFound)
		}
		return res, fmt.Errorf("compact: %w", classifyOpenError(err))
	}
	res.SizeBefore = info.Size()

	src, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: lockTimeout, FreelistType: bbolt.FreelistArrayType})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return res, fmt.Errorf("compact %s: %w (stop the node first)", path, ErrLocked)
		}
		return res, fmt.Errorf("compact %s: %w", path, classifyOpenError(err))
	}
	defer func() { _ = src.Close() }()
	if err := src.View(checkIsStore); err != nil {
		return res, fmt.Errorf("compact %s: %w", path, err)
	}

	// A stale temporary file is what an interrupted compaction leaves; we hold the lock, so it is nobody's.
	if err := os.Remove(res.TemporaryPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("compact: remove stale %s: %w", res.TemporaryPath, classifyOpenError(err))
	}
	dst, err := bbolt.Open(res.TemporaryPath, 0o600, &bbolt.Options{Timeout: lockTimeout, FreelistType: bbolt.FreelistArrayType, NoSync: true})
	if err != nil {
		return res, fmt.Errorf("compact: create %s: %w", res.TemporaryPath, classifyOpenError(err))
	}
	fail := func(err error) (CompactResult, error) {
		_ = dst.Close()
		_ = os.Remove(res.TemporaryPath)
		return res, err
	}
	if err := bbolt.Compact(dst, src, compactTxBytes); err != nil {
		return fail(fmt.Errorf("compact %s: copy: %w", path, classifyOpenError(err)))
	}
	if res.KeysCopied, err = compareStores(src, dst); err != nil {
		return fail(fmt.Errorf("compact %s: verify copy: %w", path, err))
	}
	if err := dst.Sync(); err != nil {
		return fail(fmt.Errorf("compact %s: sync copy: %w", path, classifyOpenError(err)))
	}
	if err := dst.Close(); err != nil {
		_ = os.Remove(res.TemporaryPath)
		return res, fmt.Errorf("compact %s: close copy: %w", path, classifyOpenError(err))
	}
	if err := os.Rename(res.TemporaryPath, path); err != nil {
		_ = os.Remove(res.TemporaryPath)
		return res, fmt.Errorf("compact %s: replace: %w", path, classifyOpenError(err))
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return res, fmt.Errorf("compact %s: %w", path, err)
	}
	if info, err := os.Stat(path); err == nil {
		res.SizeAfter = info.Size()
	}
	res.Duration = time.Since(start)
	return res, nil
}

// checkIsStore refuses files that are bbolt databases of something else.
func checkIsStore(tx *bbolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil || meta.Get(metaSchema) == nil {
		return fmt.Errorf("%w: not a salamander database (no schema record)", ErrCorrupt)
	}
	return nil
}

// compareStores checks that every bucket of dst holds exactly the keys and values of src.
func compareStores(src, dst *bbolt.DB) (int, error) {
	n := 0
	err := src.View(func(stx *bbolt.Tx) error {
		return dst.View(func(dtx *bbolt.Tx) error {
			return stx.ForEach(func(name []byte, sb *bbolt.Bucket) error {
				db := dtx.Bucket(name)
				if db == nil {
					return fmt.Errorf("%w: bucket %s missing in copy", ErrCorrupt, name)
				}
				sc, dc := sb.Cursor(), db.Cursor()
				sk, sv := sc.First()
				dk, dv := dc.First()
				for ; sk != nil; sk, sv = sc.Next() {
					if !bytes.Equal(sk, dk) || !bytes.Equal(sv, dv) {
						return fmt.Errorf("%w: bucket %s differs at key %x", ErrCorrupt, name, sk)
					}
					n++
					dk, dv = dc.Next()
				}
				if dk != nil {
					return fmt.Errorf("%w: bucket %s has extra key %x in copy", ErrCorrupt, name, dk)
				}
				return nil
			})
		})
	})
	return n, err
}

// syncDir makes a rename durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	defer func() { _ = d.Close() }()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
