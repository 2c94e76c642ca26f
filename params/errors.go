package params

import (
	"errors"
	"fmt"
)

var (
	// ErrPresetMismatch means a config extends a different preset than the one this binary was compiled with
	// (the preset shapes SSZ types, so it is chosen at build time with the "minimal" build tag).
	ErrPresetMismatch = errors.New("config is for a different preset than this binary")
	// ErrMalformedKey means a config key is not an upper-case spec-style name.
	ErrMalformedKey = errors.New("malformed key")
	// ErrDuplicateKey means a config key appears twice.
	ErrDuplicateKey = errors.New("duplicate key")
	// ErrMissingKey means a required config key is absent.
	ErrMissingKey = errors.New("missing key")
	// ErrUnknownKey means a key that the embedded preset files must not contain.
	ErrUnknownKey = errors.New("unknown key")
	// ErrInvalidValue means a config value does not parse as its key's type, or breaks a rule of the spec.
	ErrInvalidValue = errors.New("invalid value")
	// ErrInvalidConfig means the values parse but do not make a coherent chain config (fork order, versions...).
	ErrInvalidConfig = errors.New("invalid config")
)

// KeyError is an error about one config or preset key. It unwraps to one of the sentinels above.
type KeyError struct {
	Key string
	Err error
}

func (e *KeyError) Error() string { return fmt.Sprintf("config key %s: %v", e.Key, e.Err) }

func (e *KeyError) Unwrap() error { return e.Err }

func keyError(key string, err error) error { return &KeyError{Key: key, Err: err} }
