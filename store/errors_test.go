package store_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"testing"

	"github.com/salamander-client/salamander/store"
)

func TestDescribeNamesTheCause(t *testing.T) {
	write := func(errno syscall.Errno) error {
		return fmt.Errorf("%w: commit to /data/beacon.db: %w", store.ErrDiskFailure,
			&os.PathError{Op: "write", Path: "/data/beacon.db", Err: errno})
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{&store.DiskFailure{Op: "commit", Err: write(syscall.ENOSPC)}, "Database failure: disk full"},
		{write(syscall.EDQUOT), "Database failure: disk full"},
		{write(syscall.EIO), "Database failure: I/O error"},
		{write(syscall.EROFS), "Database failure: file system is read-only"},
		{write(syscall.EFBIG), "Database failure: file size limit reached"},
		{fmt.Errorf("%w: grow: something odd", store.ErrDiskFailure), "Database failure"},
		{fmt.Errorf("open: %w (waited 2s)", store.ErrLocked), "Database is locked by another process"},
		{fmt.Errorf("%w: %w", store.ErrNotWritable, fs.ErrPermission), "Database location is not writable"},
		{fmt.Errorf("%w: FULU_FORK_VERSION", store.ErrWrongNetwork), "Data directory belongs to another network"},
		{store.ErrCorrupt, "Database is corrupt"},
		{store.ErrSchemaVersion, "Database was written by an incompatible version of Salamander"},
		{store.ErrNotFound, ""},
		{errors.New("something else"), ""},
	} {
		if got := store.Describe(c.err); got != c.want {
			t.Errorf("Describe(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
