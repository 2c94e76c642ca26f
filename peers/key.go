package peers

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/libp2p/go-libp2p/core/crypto"

	"github.com/salamander-client/salamander/internal/atomicfile"
)

// ErrBadNodeKey is returned for a node key file that does not hold a secp256k1 key.
var ErrBadNodeKey = errors.New("invalid node key file")

// LoadOrCreateKey reads the node's secp256k1 key from path (64 hex digits, the format Prysm and Lighthouse use), or
// creates it (mode 0600) when the file does not exist, so the peer ID stays the same across restarts.
func LoadOrCreateKey(path string) (crypto.PrivKey, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read node key: %w", err)
	}
	b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(string(raw)), "0x"))
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("%w: %s: want 64 hex digits", ErrBadNodeKey, path)
	}
	key, err := crypto.UnmarshalSecp256k1PrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadNodeKey, path, err)
	}
	return key, nil
}

func createKey(path string) (crypto.PrivKey, error) {
	key, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate node key: %w", err)
	}
	raw, err := key.Raw()
	if err != nil {
		return nil, fmt.Errorf("generate node key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create node key directory: %w", err)
	}
	if err := atomicfile.Write(path, []byte(hex.EncodeToString(raw)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write node key: %w", err)
	}
	return key, nil
}
