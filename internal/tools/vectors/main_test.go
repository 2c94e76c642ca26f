package main

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type entry struct {
	name     string
	typeflag byte
	body     string
}

func tarball(t *testing.T, entries ...entry) *bytes.Reader {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typeflag, Mode: 0o644, Size: int64(len(e.body))}
		if e.typeflag == tar.TypeSymlink {
			hdr.Linkname, hdr.Size = "/etc/passwd", 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if e.typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(buf.Bytes())
}

// files lists the regular files under dir, slash-separated and relative.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func TestUntarKeepsTheSelectedVectors(t *testing.T) {
	dir := t.TempDir()
	archive := tarball(t,
		entry{"./tests/", tar.TypeDir, ""},
		entry{"tests/minimal/fulu/ssz_static/Fork/ssz_random/case_0/roots.yaml", tar.TypeReg, "root: 0x00\n"},
		entry{"tests/minimal/phase0/shuffling/core/shuffle/s_0/mapping.yaml", tar.TypeReg, "seed: 0x00\n"},
		entry{"tests/minimal/phase0/sanity/slots/pyspec_tests/x/meta.yaml", tar.TypeReg, "slots: 1\n"},
		entry{"tests/minimal/deneb/ssz_static/Fork/ssz_random/case_0/roots.yaml", tar.TypeReg, "root: 0x00\n"},
		entry{"tests/general/deneb/kzg/blob_to_kzg_commitment/kzg-mainnet/c/data.yaml", tar.TypeReg, "input: {}\n"},
	)
	if err := untar(archive, dir, specTestsPath); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"tests/general/deneb/kzg/blob_to_kzg_commitment/kzg-mainnet/c/data.yaml",
		"tests/minimal/fulu/ssz_static/Fork/ssz_random/case_0/roots.yaml",
		"tests/minimal/phase0/shuffling/core/shuffle/s_0/mapping.yaml",
	}
	if got := files(t, dir); !slices.Equal(got, want) {
		t.Fatalf("unpacked %v, want %v", got, want)
	}
	data, err := os.ReadFile(filepath.Join(dir, "tests/minimal/fulu/ssz_static/Fork/ssz_random/case_0/roots.yaml"))
	if err != nil || string(data) != "root: 0x00\n" {
		t.Fatalf("content %q, %v", data, err)
	}
}

func TestUntarFilesBLSUnderItsPreset(t *testing.T) {
	for name, entryName := range map[string]string{
		"../shared's archive": "bls/sign/sign_case_0.yaml",
		"the release asset":   "./sign/sign_case_0.yaml",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			archive := tarball(t, entry{".", tar.TypeDir, ""}, entry{"bls", tar.TypeDir, ""},
				entry{entryName, tar.TypeReg, "input: {}\n"})
			if err := untar(archive, dir, blsTestsPath); err != nil {
				t.Fatal(err)
			}
			if got := files(t, dir); !slices.Equal(got, []string{"bls12-381-tests/sign/sign_case_0.yaml"}) {
				t.Fatalf("unpacked %v", got)
			}
		})
	}
}

func TestUntarRejectsUnsafeEntries(t *testing.T) {
	for name, e := range map[string]entry{
		"parent path":   {"tests/../../evil", tar.TypeReg, "x"},
		"absolute path": {"/tmp/evil", tar.TypeReg, "x"},
		"symlink":       {"tests/minimal/fulu/link", tar.TypeSymlink, ""},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			err := untar(tarball(t, e), dir, specTestsPath)
			if err == nil {
				t.Fatal("accepted")
			}
			if got := files(t, dir); len(got) != 0 {
				t.Fatalf("wrote %v", got)
			}
		})
	}
}

func TestRunIsANoOpOnceStamped(t *testing.T) {
	dir := t.TempDir()
	source := &releaseSource{version: "v1.6.1", blsRelease: defaultBLSRelease}
	if current(dir, source) {
		t.Fatal("an empty directory counts as current")
	}
	if err := stamp(dir, source); err != nil {
		t.Fatal(err)
	}
	if !current(dir, source) {
		t.Fatal("a stamped directory is not current")
	}
	if current(dir, &releaseSource{version: "v1.6.2", blsRelease: defaultBLSRelease}) {
		t.Fatal("another version counts as current")
	}
	if !strings.HasPrefix(source.Fingerprint(), "release v1.6.1") {
		t.Fatalf("fingerprint %q", source.Fingerprint())
	}
}
