package config

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/salamander-client/salamander/primitives"
)

// ValidatorConfig is the [validator] section: the validators the node runs.
type ValidatorConfig struct {
	// KeystoresDir is the absolute path of a directory of EIP-2335 keystores (*.json), one per validator, or ""
	// for none. A devnet without keystores runs its interop validators.
	KeystoresDir string
	// PasswordFile is the absolute path of the file holding the keystores' password; set with KeystoresDir.
	PasswordFile string
	// FeeRecipient is the execution address the fees of the validators' blocks go to.
	FeeRecipient primitives.ExecutionAddress
	// Graffiti is written into the validators' blocks, zero-padded to 32 bytes.
	Graffiti [32]byte
}

// validatorOptions are the [validator] keys, in the order of the example file.
func validatorOptions() []option {
	return []option{
		{
			key: "validator.keystores_dir", flag: "validator-keystores-dir", kind: kindString, def: "",
			usage: `directory of EIP-2335 keystores (*.json) of the validators to run; "" for none (a devnet runs its interop validators)`,
			set: func(c *Config, raw any) error {
				p, err := optionalPath(raw)
				c.Validator.KeystoresDir = p
				return err
			},
		},
		{
			key: "validator.password_file", flag: "validator-password-file", kind: kindString, def: "",
			usage: `file holding the password of the keystores; required with keystores_dir`,
			set: func(c *Config, raw any) error {
				p, err := optionalPath(raw)
				c.Validator.PasswordFile = p
				return err
			},
		},
		{
			key: "validator.fee_recipient", flag: "validator-fee-recipient", kind: kindString, def: "",
			usage: `execution address (0x + 40 hex digits) the fees of the validators' blocks go to; "" for the zero address`,
			set: func(c *Config, raw any) error {
				s, err := stringOf(raw)
				if err != nil || s == "" {
					return err
				}
				digits, ok := strings.CutPrefix(s, "0x")
				address, err := hex.DecodeString(digits)
				if !ok || err != nil || len(address) != len(primitives.ExecutionAddress{}) {
					return want("an execution address: 0x and 40 hex digits")
				}
				c.Validator.FeeRecipient = primitives.ExecutionAddress(address)
				return nil
			},
		},
		{
			key: "validator.graffiti", flag: "validator-graffiti", kind: kindString, def: "",
			usage: "text of at most 32 bytes written into the validators' blocks",
			set: func(c *Config, raw any) error {
				s, err := stringOf(raw)
				if err != nil {
					return err
				}
				if len(s) > len(c.Validator.Graffiti) {
					return want(fmt.Sprintf("at most %d bytes, have %d", len(c.Validator.Graffiti), len(s)))
				}
				c.Validator.Graffiti = [32]byte{}
				copy(c.Validator.Graffiti[:], s)
				return nil
			},
		},
	}
}

// checkValidator reports [validator] keys that need each other.
func checkValidator(c *Config, origin map[string]string) []error {
	v := c.Validator
	if (v.KeystoresDir == "") == (v.PasswordFile == "") {
		return nil
	}
	key, value, missing := "validator.keystores_dir", v.KeystoresDir, "validator.password_file"
	if v.KeystoresDir == "" {
		key, value, missing = "validator.password_file", v.PasswordFile, "validator.keystores_dir"
	}
	return []error{&ValueError{Source: origin[key], Key: key, Value: value,
		Reason: fmt.Errorf("%w: %s is not set: keystores_dir and password_file go together", ErrConflict, missing)}}
}
