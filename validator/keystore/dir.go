package keystore

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/primitives"
)

var (
	// ErrNoKeystores means a keystores directory holds no keystore.
	ErrNoKeystores = errors.New("no keystores found")
	// ErrDuplicateKey means two keystores hold the same key: running it twice is how validators get slashed.
	ErrDuplicateKey = errors.New("two keystores hold the same key")
	// ErrPasswordFile means the password file cannot be used.
	ErrPasswordFile = errors.New("unusable password file")
)

// maxKeystoreSize bounds a keystore file: real ones are under 2 KiB.
const maxKeystoreSize = 64 << 10

// maxParallelDecryptions bounds concurrent key derivations: scrypt at EIP-2335's cost takes 256 MiB each.
const maxParallelDecryptions = 2

// Key is a decrypted validator key and the keystore file it came from.
type Key struct {
	Path      string
	Pubkey    primitives.BLSPubkey
	SecretKey *bls.SecretKey
}

// LoadDir decrypts every keystore (a *.json file) in dir with password, and returns the keys in file name order.
// Any keystore that does not decrypt fails the whole load, named by its file: a validator that silently runs
// without some of its keys misses duties nobody notices.
func LoadDir(dir, password string) ([]Key, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("keystores directory: %w", err)
	}
	var paths []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.EqualFold(filepath.Ext(e.Name()), ".json") {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoKeystores, dir)
	}
	slices.Sort(paths)

	keys := make([]Key, len(paths))
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(maxParallelDecryptions, runtime.GOMAXPROCS(0), len(paths)) {
		wg.Go(func() {
			for i := range next {
				keys[i], errs[i] = loadFile(paths[i], password)
			}
		})
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, k := range keys {
			if k.SecretKey != nil {
				k.SecretKey.Zeroize()
			}
		}
		return nil, err
	}

	seen := make(map[primitives.BLSPubkey]string, len(keys))
	for _, k := range keys {
		if first, ok := seen[k.Pubkey]; ok {
			return nil, fmt.Errorf("%w: %s and %s (pubkey %#x)", ErrDuplicateKey, first, k.Path, k.Pubkey)
		}
		seen[k.Pubkey] = k.Path
	}
	return keys, nil
}

func loadFile(path, password string) (Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return Key{}, fmt.Errorf("keystore %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeystoreSize+1))
	if err != nil {
		return Key{}, fmt.Errorf("keystore %s: %w", path, err)
	}
	if len(data) > maxKeystoreSize {
		return Key{}, fmt.Errorf("keystore %s: %w: larger than %d bytes", path, ErrInvalidKeystore, maxKeystoreSize)
	}
	k, err := Parse(data)
	if err != nil {
		return Key{}, fmt.Errorf("keystore %s: %w", path, err)
	}
	sk, err := k.SecretKey(password)
	if err != nil {
		return Key{}, fmt.Errorf("keystore %s: %w", path, err)
	}
	return Key{Path: path, Pubkey: sk.PublicKey().Bytes(), SecretKey: sk}, nil
}

// ReadPasswordFile reads the password of the keystores: the file's content without its trailing line break. An
// empty password is refused: it protects nothing, and it is what an empty file by mistake looks like.
func ReadPasswordFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrPasswordFile, err)
	}
	password := strings.TrimRight(string(data), "\r\n")
	if password == "" {
		return "", fmt.Errorf("%w: %s is empty", ErrPasswordFile, path)
	}
	return password, nil
}
