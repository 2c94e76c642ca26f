package types_test

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/golang/snappy"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/spectest"
)

// presetVectors returns tests/<preset>/fulu of the unpacked consensus-spec-tests for this build's preset, or "" when
// they are not unpacked.
func presetVectors(tb testing.TB) string {
	tb.Helper()
	dir, err := spectest.VectorsDir()
	if err != nil {
		// Unpacked by hand, without the tool's VERSION file: use them all the same.
		root, rootErr := spectest.RepoRoot()
		if rootErr != nil {
			return ""
		}
		dir = filepath.Join(root, spectest.DefaultVectorsDir)
	}
	dir = filepath.Join(dir, "tests", params.PresetName, "fulu")
	if _, err := os.Stat(dir); err != nil {
		return ""
	}
	return dir
}

// readSnappy returns the snappy-decoded contents of path.
func readSnappy(tb testing.TB, path string) []byte {
	tb.Helper()
	compressed, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
	raw, err := snappy.Decode(nil, compressed)
	if err != nil {
		tb.Fatalf("snappy-decode %s: %v", path, err)
	}
	return raw
}

// vectorFiles returns the files matching pattern (a glob relative to presetVectors), sorted, or nil without vectors.
func vectorFiles(tb testing.TB, pattern string) []string {
	tb.Helper()
	dir := presetVectors(tb)
	if dir == "" {
		return nil
	}
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		tb.Fatalf("glob %s: %v", pattern, err)
	}
	sort.Strings(files)
	return files
}
