package main

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// mountTmpfs mounts a tmpfs of size bytes on a new directory until the test ends, or skips the test where
// mounting needs privileges the test lacks.
func mountTmpfs(t *testing.T, size string, flags uintptr) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", flags, "size="+size+",mode=0755"); err != nil {
		t.Skipf("cannot mount a tmpfs (%v): this test needs CAP_SYS_ADMIN", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// readOnlyDir is a directory the node cannot write to. Root ignores permission bits, so root gets a read-only
// mount instead.
func readOnlyDir(t *testing.T) string {
	t.Helper()
	if os.Geteuid() == 0 {
		return mountTmpfs(t, "1m", syscall.MS_RDONLY)
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
	return dir
}

// fillDisk writes to a file in dir until the file system is full.
func fillDisk(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			return
		}
	}
}

// A full disk under the data directory stops start-up with exit code 1 and says so.
func TestRunReportsAFullDisk(t *testing.T) {
	chain := newTestChain(t)
	disk := mountTmpfs(t, "256k", 0)
	dataDir := filepath.Join(disk, "data")
	if err := os.Mkdir(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	fillDisk(t, disk)
	expectStartRefused(t, "Database failure: disk full", "no space left on device",
		append([]string{"run", "--data-dir", dataDir}, chain.args...)...)
}
