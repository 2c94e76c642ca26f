package keystore_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/salamander-client/salamander/crypto/bls"
	"github.com/salamander-client/salamander/validator/keystore"
)

// The test vectors of EIP-2335 ("Test Cases"): the same secret under the same password, once with scrypt and once
// with PBKDF2.
const (
	vectorPassword = "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑"
	vectorSecret   = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
	vectorPubkey   = "9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07"

	scryptVector = `{
    "crypto": {
        "kdf": {
            "function": "scrypt",
            "params": {
                "dklen": 32,
                "n": 262144,
                "p": 1,
                "r": 8,
                "salt": "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3"
            },
            "message": ""
        },
        "checksum": {
            "function": "sha256",
            "params": {},
            "message": "d2217fe5f3e9a1e34581ef8a78f7c9928e436d36dacc5e846690a5581e8ea484"
        },
        "cipher": {
            "function": "aes-128-ctr",
            "params": {
                "iv": "264daa3f303d7259501c93d997d84fe6"
            },
            "message": "06ae90d55fe0a6e9c5c3bc5b170827b2e5cce3929ed3f116c2811e6366dfe20f"
        }
    },
    "description": "This is a test keystore that uses scrypt to secure the secret.",
    "pubkey": "9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07",
    "path": "m/12381/60/3141592653/589793238",
    "uuid": "1d85ae20-35c5-4611-98e8-aa14a633906f",
    "version": 4
}`

	pbkdf2Vector = `{
    "crypto": {
        "kdf": {
            "function": "pbkdf2",
            "params": {
                "dklen": 32,
                "c": 262144,
                "prf": "hmac-sha256",
                "salt": "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3"
            },
            "message": ""
        },
        "checksum": {
            "function": "sha256",
            "params": {},
            "message": "8a9f5d9912ed7e75ea794bc5a89bca5f193721d30868ade6f73043c6ea6febf1"
        },
        "cipher": {
            "function": "aes-128-ctr",
            "params": {
                "iv": "264daa3f303d7259501c93d997d84fe6"
            },
            "message": "cee03fde2af33149775b7223e7845e4fb2c8ae1792e5f99fe9ecf474cc8c16ad"
        }
    },
    "description": "This is a test keystore that uses PBKDF2 to secure the secret.",
    "pubkey": "9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07",
    "path": "m/12381/60/0/0",
    "uuid": "64625def-3331-4eea-ab6f-782f3ed16a83",
    "version": 4
}`
)

func TestNormalizePassword(t *testing.T) {
	// EIP-2335: the vector's password becomes "testpassword🔑".
	if got, want := hex.EncodeToString(keystore.NormalizePassword(vectorPassword)), "7465737470617373776f7264f09f9491"; got != want {
		t.Fatalf("normalized vector password %s, want %s", got, want)
	}
	for in, want := range map[string]string{
		"pass\nword\r\n":       "password",
		"\x00\x1fa\x7fb\u0085": "ab",
		"Ａｂｃ":                  "Abc", // fullwidth letters decompose to ASCII
		"é":                    "e\u0301",
		"":                     "",
	} {
		if got := string(keystore.NormalizePassword(in)); got != want {
			t.Errorf("NormalizePassword(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEIP2335Vectors(t *testing.T) {
	for name, vector := range map[string]string{"scrypt": scryptVector, "pbkdf2": pbkdf2Vector} {
		t.Run(name, func(t *testing.T) {
			k, err := keystore.Parse([]byte(vector))
			if err != nil {
				t.Fatal(err)
			}
			secret, err := k.Decrypt(vectorPassword)
			if err != nil {
				t.Fatalf("decrypt: %v", err)
			}
			if got := hex.EncodeToString(secret); got != vectorSecret {
				t.Fatalf("secret %s, want %s", got, vectorSecret)
			}
			sk, err := bls.SecretKeyFromBytes(secret)
			if err != nil {
				t.Fatal(err)
			}
			if pk := sk.PublicKey().Bytes(); hex.EncodeToString(pk[:]) != vectorPubkey {
				t.Fatalf("pubkey %x", pk)
			}
			if name != "pbkdf2" { // one wrong password is enough, and scrypt at the vector's cost is slow
				return
			}
			if _, err := k.Decrypt("testpassword"); !errors.Is(err, keystore.ErrWrongPassword) {
				t.Fatalf("a wrong password: %v", err)
			}
			if _, err := k.SecretKey(vectorPassword); err != nil {
				t.Fatalf("secret key: %v", err)
			}
		})
	}
}

func TestParseRefusesBadKeystores(t *testing.T) {
	edit := func(from, to string) string { return strings.Replace(pbkdf2Vector, from, to, 1) }
	for _, c := range []struct {
		name, doc string
		want      error
	}{
		{"not JSON", "{", keystore.ErrInvalidKeystore},
		{"version 3", edit(`"version": 4`, `"version": 3`), keystore.ErrInvalidKeystore},
		{"unknown kdf", edit(`"function": "pbkdf2"`, `"function": "argon2"`), keystore.ErrUnsupported},
		{"unknown prf", edit(`"hmac-sha256"`, `"hmac-sha512"`), keystore.ErrUnsupported},
		{"unknown cipher", edit(`"aes-128-ctr"`, `"aes-256-gcm"`), keystore.ErrUnsupported},
		{"unknown checksum", edit(`"function": "sha256"`, `"function": "keccak"`), keystore.ErrUnsupported},
		{"short dklen", edit(`"dklen": 32`, `"dklen": 16`), keystore.ErrInvalidKeystore},
		{"too many rounds", edit(`"c": 262144`, `"c": 1000000000`), keystore.ErrKDFTooCostly},
		{"bad hex", edit(`"iv": "264d`, `"iv": "zz4d`), keystore.ErrInvalidKeystore},
		{"short iv", edit(`"iv": "264daa3f303d7259501c93d997d84fe6"`, `"iv": "264d"`), keystore.ErrInvalidKeystore},
		{"scrypt asking for 8 GiB", strings.Replace(scryptVector, `"n": 262144`, `"n": 8388608`, 1), keystore.ErrKDFTooCostly},
		{"scrypt n not a power of two", strings.Replace(scryptVector, `"n": 262144`, `"n": 262143`, 1), keystore.ErrInvalidKeystore},
	} {
		if _, err := keystore.Parse([]byte(c.doc)); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestDamagedCiphertextIsCaughtByTheChecksum(t *testing.T) {
	k, err := keystore.Parse([]byte(strings.Replace(pbkdf2Vector, `"message": "cee0`, `"message": "cef0`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Decrypt(vectorPassword); !errors.Is(err, keystore.ErrWrongPassword) {
		t.Fatalf("damaged ciphertext: %v", err)
	}
}

func TestPubkeyMismatch(t *testing.T) {
	other, err := bls.InteropSecretKey(1)
	if err != nil {
		t.Fatal(err)
	}
	otherPK := other.PublicKey().Bytes()
	k, err := keystore.Parse([]byte(strings.Replace(pbkdf2Vector, `"pubkey": "`+vectorPubkey, `"pubkey": "`+hex.EncodeToString(otherPK[:]), 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.SecretKey(vectorPassword); !errors.Is(err, keystore.ErrPubkeyMismatch) {
		t.Fatalf("pubkey mismatch: %v", err)
	}
}

// cheap makes Encrypt fast enough for tests.
var cheap = map[string]keystore.EncryptOptions{
	"scrypt": {KDF: keystore.KDFScrypt, ScryptN: 1 << 10},
	"pbkdf2": {KDF: keystore.KDFPBKDF2, PBKDF2Rounds: 1 << 10},
}

func TestEncryptRoundTrip(t *testing.T) {
	sk, err := bls.InteropSecretKey(7)
	if err != nil {
		t.Fatal(err)
	}
	secret := sk.Bytes()
	for name, opts := range cheap {
		t.Run(name, func(t *testing.T) {
			k, err := keystore.Encrypt(secret[:], "a password\n", opts)
			if err != nil {
				t.Fatal(err)
			}
			data, err := json.Marshal(k)
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := keystore.Parse(data)
			if err != nil {
				t.Fatalf("parse %s: %v", data, err)
			}
			// The trailing newline is a control code: normalization drops it.
			got, err := parsed.SecretKey("a password")
			if err != nil {
				t.Fatal(err)
			}
			if got.Bytes() != secret || parsed.UUID == "" || len(parsed.UUID) != 36 {
				t.Fatalf("round trip: %x uuid %q", got.Bytes(), parsed.UUID)
			}
		})
	}
	if _, err := keystore.Encrypt(make([]byte, 32), "x", keystore.EncryptOptions{}); err == nil {
		t.Fatal("a zero secret key must be refused")
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	var want [][48]byte
	for i := range 3 {
		sk, err := bls.InteropSecretKey(uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		secret := sk.Bytes()
		k, err := keystore.Encrypt(secret[:], "hunter2", cheap["pbkdf2"])
		if err != nil {
			t.Fatal(err)
		}
		writeJSON(t, filepath.Join(dir, "keystore-"+string(rune('a'+i))+".json"), k)
		want = append(want, sk.PublicKey().Bytes())
	}
	if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte("not a keystore"), 0o600); err != nil {
		t.Fatal(err)
	}
	passwordFile := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(passwordFile, []byte("hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	password, err := keystore.ReadPasswordFile(passwordFile)
	if err != nil || password != "hunter2" {
		t.Fatalf("password file: %q %v", password, err)
	}
	keys, err := keystore.LoadDir(dir, password)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 {
		t.Fatalf("%d keys", len(keys))
	}
	for i, k := range keys {
		if k.Pubkey != want[i] || k.SecretKey.PublicKey().Bytes() != want[i] {
			t.Fatalf("key %d of %s", i, k.Path)
		}
	}

	if _, err := keystore.LoadDir(dir, "wrong"); !errors.Is(err, keystore.ErrWrongPassword) || !strings.Contains(err.Error(), "keystore-a.json") {
		t.Fatalf("a wrong password: %v", err)
	}
	// A copy of a keystore under another name is the same key twice.
	data, err := os.ReadFile(filepath.Join(dir, "keystore-a.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keystore-copy.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := keystore.LoadDir(dir, password); !errors.Is(err, keystore.ErrDuplicateKey) {
		t.Fatalf("a duplicate: %v", err)
	}
	if _, err := keystore.LoadDir(t.TempDir(), password); !errors.Is(err, keystore.ErrNoKeystores) {
		t.Fatalf("an empty directory: %v", err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := keystore.ReadPasswordFile(empty); !errors.Is(err, keystore.ErrPasswordFile) {
		t.Fatalf("an empty password file: %v", err)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
