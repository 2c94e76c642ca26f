package validator_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/validator"
	"github.com/salamander-client/salamander/validator/keystore"
)

func TestKeySource(t *testing.T) {
	interop, err := validator.KeySource{InteropValidators: 3}.SecretKeys()
	if err != nil || len(interop) != 3 {
		t.Fatalf("interop keys: %d %v", len(interop), err)
	}
	if _, err := (validator.KeySource{}).SecretKeys(); !errors.Is(err, validator.ErrNoKeys) {
		t.Fatalf("no keys: %v", err)
	}

	// Keystores replace the interop keys.
	dir := t.TempDir()
	sk, err := bls.InteropSecretKey(40)
	if err != nil {
		t.Fatal(err)
	}
	secret := sk.Bytes()
	k, err := keystore.Encrypt(secret[:], "correct horse", keystore.EncryptOptions{KDF: keystore.KDFPBKDF2, PBKDF2Rounds: 1024})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keystore.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	password := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(password, []byte("correct horse\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	keys, err := validator.KeySource{KeystoresDir: dir, PasswordFile: password, InteropValidators: 64}.SecretKeys()
	if err != nil || len(keys) != 1 || keys[0].Bytes() != secret {
		t.Fatalf("keystore keys: %d %v", len(keys), err)
	}
	if _, err := (validator.KeySource{KeystoresDir: dir, PasswordFile: filepath.Join(dir, "none")}).SecretKeys(); !errors.Is(err, keystore.ErrPasswordFile) {
		t.Fatalf("a missing password file: %v", err)
	}
}
