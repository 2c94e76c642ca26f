package bls

import (
	"sync"

	"github.com/salamander-client/salamander/primitives"
)

// PublicKeyCache decompresses each public key once. It is safe for concurrent use. It holds at most limit keys;
// past that it still returns decompressed keys but stores no new ones, so a flood of unknown keys cannot grow it
// without bound (size it above the validator registry). Invalid keys are never cached.
type PublicKeyCache struct {
	mu    sync.RWMutex
	keys  map[primitives.BLSPubkey]*PublicKey
	limit int
}

// NewPublicKeyCache returns an empty cache that holds up to limit keys.
func NewPublicKeyCache(limit int) *PublicKeyCache {
	return &PublicKeyCache{keys: make(map[primitives.BLSPubkey]*PublicKey), limit: limit}
}

// Get returns the decompressed, validated key for raw, decompressing it on a miss.
func (c *PublicKeyCache) Get(raw primitives.BLSPubkey) (*PublicKey, error) {
	c.mu.RLock()
	pk, ok := c.keys[raw]
	c.mu.RUnlock()
	if ok {
		return pk, nil
	}
	pk, err := PublicKeyFromBytes(raw[:])
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.keys) < c.limit {
		c.keys[raw] = pk
	}
	c.mu.Unlock()
	return pk, nil
}

// Len returns the number of cached keys.
func (c *PublicKeyCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.keys)
}
