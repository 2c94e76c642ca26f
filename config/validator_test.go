package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/salamander-client/salamander/primitives"
)

func TestValidatorDefaults(t *testing.T) {
	if cfg := mustLoad(t, Sources{}); cfg.Validator != (ValidatorConfig{}) {
		t.Errorf("validator defaults %+v, want none", cfg.Validator)
	}
}

func TestValidatorFromEverySource(t *testing.T) {
	file := writeFile(t, "c.toml", `
[validator]
keystores_dir = "/srv/keys"
graffiti = "from the file"
`)
	cfg := mustLoad(t, Sources{
		File:    file,
		Environ: []string{"SALAMANDER_VALIDATOR_PASSWORD_FILE=/srv/password"},
		Flags:   parsedFlags(t, "--validator-fee-recipient=0x"+strings.Repeat("fe", 20)),
	})
	var graffiti [32]byte
	copy(graffiti[:], "from the file")
	want := ValidatorConfig{KeystoresDir: "/srv/keys", PasswordFile: "/srv/password", Graffiti: graffiti,
		FeeRecipient: primitives.ExecutionAddress{0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe}}
	if cfg.Validator != want {
		t.Errorf("validator %+v, want %+v", cfg.Validator, want)
	}
}

func TestValidatorErrors(t *testing.T) {
	for _, c := range []struct {
		toml, key string
		sentinel  error
	}{
		{"[validator]\nkeystores_dir = \"/srv/keys\"\n", "validator.keystores_dir", ErrConflict},
		{"[validator]\npassword_file = \"/srv/password\"\n", "validator.password_file", ErrConflict},
		{"[validator]\nfee_recipient = \"0x1234\"\n", "validator.fee_recipient", nil},
		{"[validator]\nfee_recipient = \"" + strings.Repeat("ab", 20) + "\"\n", "validator.fee_recipient", nil},
		{"[validator]\ngraffiti = \"" + strings.Repeat("x", 33) + "\"\n", "validator.graffiti", nil},
	} {
		_, err := Load(Sources{File: writeFile(t, "c.toml", c.toml)})
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Key != c.key || (c.sentinel != nil && !errors.Is(err, c.sentinel)) {
			t.Errorf("%q: %v, want an error naming %s", c.toml, err, c.key)
		}
	}
}
