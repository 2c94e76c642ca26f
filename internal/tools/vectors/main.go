// Command vectors unpacks the consensus-spec-tests vectors into a git-ignored cache, once.
//
//	go run ./internal/tools/vectors [-dest .cache/consensus-spec-tests] [-src ../shared/consensus-spec-tests]
//
// With ../shared/consensus-spec-tests present (CI, and every developer machine of the project) it unpacks its
// tar.zst archives and copies its MANIFEST beside them. Without it, it downloads the official release assets of the
// version instead (never under CI=true, where ../shared must be there). Relative paths are taken from the repository
// root. The unpacked tree is stamped with the version and a fingerprint of its source, so a re-run is a no-op until
// the source changes.
package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/salamander-client/salamander/spectest"
)

// Release assets used when ../shared is absent.
const (
	specReleaseURL = "https://github.com/ethereum/consensus-spec-tests/releases/download/%s/%s.tar.gz"
	blsReleaseURL  = "https://github.com/ethereum/bls12-381-tests/releases/download/%s/bls_tests_yaml.tar.gz"
	// ../shared holds bls12-381-tests at commit 006855c (June 2024), which no release contains; v0.1.2 is the newest
	// release, without that commit's added deserialization cases.
	defaultBLSRelease = "v0.1.2"
	downloadTimeout   = 60 * time.Minute
)

// presetArchives are the consensus-spec-tests archives, by name without extension.
var presetArchives = []string{"general", "minimal", "mainnet"}

const (
	blsArchive      = "bls12-381-tests"
	fingerprintFile = ".fingerprint"
)

// options are the command line.
type options struct {
	dest, src, version, blsRelease string
	ci                             bool
}

func main() {
	var opts options
	flag.StringVar(&opts.dest, "dest", spectest.DefaultVectorsDir, "where to unpack the vectors")
	flag.StringVar(&opts.src, "src", envOr("CONSENSUS_SPEC_TESTS_SRC", "../shared/consensus-spec-tests"),
		"the directory of tar.zst archives (env CONSENSUS_SPEC_TESTS_SRC)")
	flag.StringVar(&opts.version, "version", "", "the release to download when -src is absent (default: "+spectest.SpecVersion+")")
	flag.StringVar(&opts.blsRelease, "bls-release", defaultBLSRelease, "the ethereum/bls12-381-tests release to download when -src is absent")
	flag.Parse()
	opts.ci = os.Getenv("CI") != ""

	if err := run(opts); err != nil {
		slog.Error("Vectors not unpacked", "err", err)
		os.Exit(1)
	}
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

func run(opts options) error {
	root, err := spectest.RepoRoot()
	if err != nil {
		return err
	}
	dest, src := fromRoot(root, opts.dest), fromRoot(root, opts.src)

	var source vectorSource
	if _, err := os.Stat(src); err == nil {
		source, err = newSharedSource(src)
		if err != nil {
			return err
		}
	} else if opts.ci {
		return fmt.Errorf("no vectors at %s, and CI never downloads them: %w", src, err)
	} else {
		version := opts.version
		if version == "" {
			version = spectest.SpecVersion
		}
		source = &releaseSource{version: version, blsRelease: opts.blsRelease}
	}

	if current(dest, source) {
		slog.Info("Vectors up to date", "dir", dest, "version", source.Version())
		return nil
	}
	partial := dest + ".partial"
	if err := os.RemoveAll(partial); err != nil {
		return fmt.Errorf("clear %s: %w", partial, err)
	}
	if err := source.Unpack(partial); err != nil {
		return err
	}
	if err := stamp(partial, source); err != nil {
		return err
	}
	if err := os.RemoveAll(dest); err != nil {
		return fmt.Errorf("replace %s: %w", dest, err)
	}
	if err := os.Rename(partial, dest); err != nil {
		return fmt.Errorf("replace %s: %w", dest, err)
	}
	slog.Info("Vectors unpacked", "dir", dest, "version", source.Version())
	return nil
}

func fromRoot(root, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(root, p)
}

// vectorSource is where the vectors come from.
type vectorSource interface {
	Version() string
	Fingerprint() string // changes whenever the unpacked tree would
	Unpack(dir string) error
}

// current reports whether dir already holds the vectors of source.
func current(dir string, source vectorSource) bool {
	version, err1 := os.ReadFile(filepath.Join(dir, spectest.VersionFile))
	fingerprint, err2 := os.ReadFile(filepath.Join(dir, fingerprintFile))
	return err1 == nil && err2 == nil && strings.TrimSpace(string(version)) == source.Version() &&
		strings.TrimSpace(string(fingerprint)) == source.Fingerprint()
}

func stamp(dir string, source vectorSource) error {
	if err := os.WriteFile(filepath.Join(dir, fingerprintFile), []byte(source.Fingerprint()+"\n"), 0o644); err != nil {
		return fmt.Errorf("stamp vectors: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, spectest.VersionFile), []byte(source.Version()+"\n"), 0o644); err != nil {
		return fmt.Errorf("stamp vectors: %w", err)
	}
	return nil
}

// sharedSource is ../shared/consensus-spec-tests: tar.zst archives, VERSION and MANIFEST.
type sharedSource struct {
	dir, version, fingerprint string
}

func newSharedSource(dir string) (*sharedSource, error) {
	version, err := os.ReadFile(filepath.Join(dir, spectest.VersionFile))
	if err != nil {
		return nil, fmt.Errorf("read the vectors' version: %w", err)
	}
	// The archives can be refreshed without a version bump (the mainnet one gains runners), so the fingerprint
	// covers the manifest and every archive's size.
	h := sha256.New()
	h.Write(version)
	manifest, err := os.ReadFile(filepath.Join(dir, spectest.ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("read the vectors' manifest: %w", err)
	}
	h.Write(manifest)
	for _, name := range append(presetArchives, blsArchive) {
		info, err := os.Stat(filepath.Join(dir, name+".tar.zst"))
		if err != nil {
			return nil, fmt.Errorf("find archive: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", name, info.Size())
	}
	return &sharedSource{
		dir:         dir,
		version:     strings.TrimSpace(string(version)),
		fingerprint: "shared " + hex.EncodeToString(h.Sum(nil)),
	}, nil
}

func (s *sharedSource) Version() string     { return s.version }
func (s *sharedSource) Fingerprint() string { return s.fingerprint }

func (s *sharedSource) Unpack(dir string) error {
	for _, name := range presetArchives {
		if err := unpackZstdFile(filepath.Join(s.dir, name+".tar.zst"), dir, specTestsPath); err != nil {
			return err
		}
	}
	if err := unpackZstdFile(filepath.Join(s.dir, blsArchive+".tar.zst"), dir, blsTestsPath); err != nil {
		return err
	}
	manifest, err := os.ReadFile(filepath.Join(s.dir, spectest.ManifestFile))
	if err != nil {
		return fmt.Errorf("copy manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, spectest.ManifestFile), manifest, 0o644); err != nil {
		return fmt.Errorf("copy manifest: %w", err)
	}
	return nil
}

func unpackZstdFile(archive, dir string, mapPath pathMapper) error {
	f, err := os.Open(archive)
	if err != nil {
		return fmt.Errorf("open archive: %w", err)
	}
	defer f.Close()
	zr, err := zstd.NewReader(f)
	if err != nil {
		return fmt.Errorf("read %s: %w", archive, err)
	}
	defer zr.Close()
	slog.Info("Unpacking", "archive", archive)
	if err := untar(zr, dir, mapPath); err != nil {
		return fmt.Errorf("unpack %s: %w", archive, err)
	}
	return nil
}

// releaseSource downloads the official release assets.
type releaseSource struct {
	version, blsRelease string
}

func (r *releaseSource) Version() string { return r.version }
func (r *releaseSource) Fingerprint() string {
	return "release " + r.version + " bls12-381-tests " + r.blsRelease
}

func (r *releaseSource) Unpack(dir string) error {
	ctx, cancel := context.WithTimeout(context.Background(), downloadTimeout)
	defer cancel()
	for _, name := range presetArchives {
		if err := download(ctx, fmt.Sprintf(specReleaseURL, r.version, name), dir, specTestsPath); err != nil {
			return err
		}
	}
	return download(ctx, fmt.Sprintf(blsReleaseURL, r.blsRelease), dir, blsTestsPath)
}

func download(ctx context.Context, url, dir string, mapPath pathMapper) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("download %s: %w", url, err)
	}
	slog.Info("Downloading", "url", url)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("download %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("download %s: %s", url, resp.Status)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		return fmt.Errorf("download %s: %w", url, err)
	}
	defer zr.Close()
	if err := untar(zr, dir, mapPath); err != nil {
		return fmt.Errorf("unpack %s: %w", url, err)
	}
	return nil
}

// pathMapper maps an archive entry (cleaned, slash-separated) to its place under the destination, or rejects it.
type pathMapper func(name string) (string, bool)

// specTestsPath keeps tests/<preset>/<fork>/<runner>/... of the runs spectest selects; the official assets hold every
// fork.
func specTestsPath(name string) (string, bool) {
	parts := strings.Split(name, "/")
	if parts[0] != "tests" {
		return "", false
	}
	if len(parts) >= 4 && !spectest.Selected(parts[1], parts[2], parts[3]) {
		return "", false
	}
	return name, true
}

// blsTestsPath files bls12-381-tests entries under bls12-381-tests/<handler>/: ../shared's archive holds
// bls/<handler>/<case>.yaml, the release asset <handler>/<case>.yaml.
func blsTestsPath(name string) (string, bool) {
	rest := strings.TrimPrefix(name, "bls/")
	if rest == "bls" || rest == "." {
		return "", false
	}
	return spectest.BLSPreset + "/" + rest, true
}

// untar extracts regular files and directories; links, devices and paths that leave dir are errors.
func untar(r io.Reader, dir string, mapPath pathMapper) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := path.Clean(hdr.Name)
		if hdr.Typeflag == tar.TypeXGlobalHeader || name == "." {
			continue
		}
		if !filepath.IsLocal(filepath.FromSlash(name)) {
			return fmt.Errorf("entry %q leaves the destination", hdr.Name)
		}
		rel, keep := mapPath(name)
		if !keep {
			continue
		}
		target := filepath.Join(dir, filepath.FromSlash(rel))
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := writeFile(target, tr, hdr.Size); err != nil {
				return err
			}
		default:
			return fmt.Errorf("entry %q: unsupported type %q", hdr.Name, hdr.Typeflag)
		}
	}
}

func writeFile(target string, r io.Reader, size int64) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(f, r, size); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", target, err)
	}
	return f.Close()
}
