package validator

import (
	"errors"
	"fmt"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/validator/keystore"
)

// ErrNoKeys means the node was given no validator keys: neither keystores nor, on a devnet, interop validators.
var ErrNoKeys = errors.New("no validator keys")

// KeySource says where the validators' secret keys come from: EIP-2335 keystores, or on a devnet the interop
// keys, which are public and must never hold real funds.
type KeySource struct {
	// KeystoresDir and PasswordFile are the [validator] keystores; they replace the interop keys when set.
	KeystoresDir, PasswordFile string
	// InteropValidators is the number of interop keys (validators 0..n-1) to run without keystores.
	InteropValidators uint64
}

// SecretKeys loads the keys of src: every keystore of KeystoresDir decrypted with the password in PasswordFile,
// or the interop keys.
func (src KeySource) SecretKeys() ([]*bls.SecretKey, error) {
	if src.KeystoresDir != "" {
		password, err := keystore.ReadPasswordFile(src.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("validator keys: %w", err)
		}
		keys, err := keystore.LoadDir(src.KeystoresDir, password)
		if err != nil {
			return nil, fmt.Errorf("validator keys: %w", err)
		}
		out := make([]*bls.SecretKey, len(keys))
		for i, k := range keys {
			out[i] = k.SecretKey
		}
		return out, nil
	}
	if src.InteropValidators == 0 {
		return nil, ErrNoKeys
	}
	keys, err := bls.InteropSecretKeys(src.InteropValidators)
	if err != nil {
		return nil, fmt.Errorf("validator keys: %w", err)
	}
	return keys, nil
}
