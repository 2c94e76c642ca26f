package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// OpenReadOnly opens the database of dataDir for reading only, for offline tools (salamander db export-chain): it
// takes the file's shared lock, so it waits for a running node (ErrLocked after lockTimeout; zero means
// DefaultLockTimeout), and it checks only that the file is a Salamander database, not which network it belongs
// to. Call close when done.
func OpenReadOnly(dataDir string, lockTimeout time.Duration) (r *Reader, close func() error, err error) {
	if lockTimeout <= 0 {
		lockTimeout = DefaultLockTimeout
	}
	path := Path(dataDir)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("open %s: %w", path, ErrNotFound)
		}
		return nil, nil, fmt.Errorf("open %s: %w", path, classifyOpenError(err))
	}
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: lockTimeout, ReadOnly: true})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, nil, fmt.Errorf("open %s: %w (stop the node first)", path, ErrLocked)
		}
		return nil, nil, fmt.Errorf("open %s: %w", path, classifyOpenError(err))
	}
	if err := bdb.View(checkIsStore); err != nil {
		_ = bdb.Close()
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	r = NewReader()
	r.attach(bdb)
	return r, func() error {
		r.detach(bdb)
		return bdb.Close()
	}, nil
}
