// Package keystore reads and writes EIP-2335 BLS12-381 keystores: a validator's secret key encrypted with
// AES-128-CTR under a key derived from a password by scrypt or PBKDF2-HMAC-SHA256, with a SHA-256 checksum that
// tells a wrong password from a damaged file.
//
// Passwords are normalized as EIP-2335 requires before use: Unicode NFKD, then the C0 (U+0000-U+001F) and C1
// (U+0080-U+009F) control codes and DEL (U+007F) removed, then UTF-8. So "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑" is the bytes of
// "testpassword🔑", and a password file's trailing newline does not count.
package keystore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/scrypt"
	"golang.org/x/text/unicode/norm"

	"github.com/salamander-client/salamander/crypto/bls"
)

// Version is the keystore version of EIP-2335.
const Version = 4

// Names of the functions EIP-2335 defines.
const (
	KDFScrypt       = "scrypt"
	KDFPBKDF2       = "pbkdf2"
	prfHMACSHA256   = "hmac-sha256"
	checksumSHA256  = "sha256"
	cipherAES128CTR = "aes-128-ctr"
)

// Bounds on the key derivation's cost. A keystore asks for the work its KDF does; these refuse one that would take
// more memory or time than any real keystore needs (the EIP's own use n = 2^18, c = 2^18), so that a hostile file
// cannot exhaust the node.
const (
	maxScryptMemory = 1 << 30 // bytes: 128 * r * n
	maxScryptP      = 16
	maxPBKDF2Rounds = 1 << 24
	minDKLen        = 32 // 16 bytes of AES key, 16 of checksum key
	maxDKLen        = 64
)

var (
	// ErrInvalidKeystore means the file is not an EIP-2335 keystore: bad JSON, a missing or malformed field, or
	// version other than 4.
	ErrInvalidKeystore = errors.New("invalid keystore")
	// ErrUnsupported means the keystore uses a function EIP-2335 does not define (a KDF, PRF, checksum or cipher).
	ErrUnsupported = errors.New("unsupported keystore function")
	// ErrKDFTooCostly means the key derivation asks for more memory or rounds than this package allows.
	ErrKDFTooCostly = errors.New("keystore key derivation too costly")
	// ErrWrongPassword means the checksum does not match: the password is wrong (or the ciphertext damaged).
	ErrWrongPassword = errors.New("wrong keystore password")
	// ErrPubkeyMismatch means the decrypted secret is not the key of the keystore's pubkey.
	ErrPubkeyMismatch = errors.New("keystore secret does not match its pubkey")
)

// Keystore is an EIP-2335 keystore.
type Keystore struct {
	Crypto      Crypto  `json:"crypto"`
	Description string  `json:"description"`
	Pubkey      hexData `json:"pubkey"`
	Path        string  `json:"path"`
	UUID        string  `json:"uuid"`
	Version     int     `json:"version"`
}

// Crypto is the keystore's crypto module: the key derivation, the checksum and the cipher.
type Crypto struct {
	KDF      KDFModule      `json:"kdf"`
	Checksum ChecksumModule `json:"checksum"`
	Cipher   CipherModule   `json:"cipher"`
}

// KDFModule names the key derivation function and its parameters.
type KDFModule struct {
	Function string    `json:"function"`
	Params   KDFParams `json:"params"`
	Message  hexData   `json:"message"`
}

// KDFParams holds the parameters of either KDF: N, R, P for scrypt, C and PRF for PBKDF2.
type KDFParams struct {
	DKLen int     `json:"dklen"`
	N     int     `json:"n,omitempty"`
	R     int     `json:"r,omitempty"`
	P     int     `json:"p,omitempty"`
	C     int     `json:"c,omitempty"`
	PRF   string  `json:"prf,omitempty"`
	Salt  hexData `json:"salt"`
}

// ChecksumModule is the checksum of the decryption key and the ciphertext.
type ChecksumModule struct {
	Function string         `json:"function"`
	Params   map[string]any `json:"params"`
	Message  hexData        `json:"message"`
}

// CipherModule is the cipher, its IV and the ciphertext.
type CipherModule struct {
	Function string       `json:"function"`
	Params   CipherParams `json:"params"`
	Message  hexData      `json:"message"`
}

// CipherParams holds the cipher's IV.
type CipherParams struct {
	IV hexData `json:"iv"`
}

// hexData is bytes written as hex without a prefix, as EIP-2335 does; reading also accepts a 0x prefix.
type hexData []byte

func (h hexData) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(h)) }

func (h *hexData) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a hex string: %w", err)
	}
	raw, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		return fmt.Errorf("want a hex string, have %q", s)
	}
	*h = raw
	return nil
}

// Parse reads a keystore's JSON and checks its shape: version 4 and the functions EIP-2335 defines. It derives
// nothing; Decrypt does.
func Parse(data []byte) (*Keystore, error) {
	var k Keystore
	if err := json.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKeystore, err)
	}
	if k.Version != Version {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrInvalidKeystore, k.Version, Version)
	}
	if err := k.Crypto.check(); err != nil {
		return nil, err
	}
	return &k, nil
}

func (c *Crypto) check() error {
	p := c.KDF.Params
	if p.DKLen < minDKLen || p.DKLen > maxDKLen {
		return fmt.Errorf("%w: dklen %d, want %d to %d", ErrInvalidKeystore, p.DKLen, minDKLen, maxDKLen)
	}
	if len(p.Salt) == 0 {
		return fmt.Errorf("%w: no salt", ErrInvalidKeystore)
	}
	switch c.KDF.Function {
	case KDFScrypt:
		if p.N <= 1 || p.N&(p.N-1) != 0 || p.R <= 0 || p.P <= 0 {
			return fmt.Errorf("%w: scrypt n=%d r=%d p=%d: n must be a power of 2 above 1, r and p positive", ErrInvalidKeystore, p.N, p.R, p.P)
		}
		if uint64(p.R)*uint64(p.N) > maxScryptMemory/128 || p.P > maxScryptP {
			return fmt.Errorf("%w: scrypt n=%d r=%d p=%d needs more than %d MiB or parallelism %d", ErrKDFTooCostly,
				p.N, p.R, p.P, maxScryptMemory>>20, maxScryptP)
		}
	case KDFPBKDF2:
		if p.PRF != prfHMACSHA256 {
			return fmt.Errorf("%w: pbkdf2 prf %q, want %q", ErrUnsupported, p.PRF, prfHMACSHA256)
		}
		if p.C <= 0 {
			return fmt.Errorf("%w: pbkdf2 c=%d", ErrInvalidKeystore, p.C)
		}
		if p.C > maxPBKDF2Rounds {
			return fmt.Errorf("%w: pbkdf2 c=%d, at most %d", ErrKDFTooCostly, p.C, maxPBKDF2Rounds)
		}
	default:
		return fmt.Errorf("%w: kdf %q", ErrUnsupported, c.KDF.Function)
	}
	if c.Checksum.Function != checksumSHA256 {
		return fmt.Errorf("%w: checksum %q", ErrUnsupported, c.Checksum.Function)
	}
	if len(c.Checksum.Message) != sha256.Size {
		return fmt.Errorf("%w: checksum of %d bytes", ErrInvalidKeystore, len(c.Checksum.Message))
	}
	if c.Cipher.Function != cipherAES128CTR {
		return fmt.Errorf("%w: cipher %q", ErrUnsupported, c.Cipher.Function)
	}
	if len(c.Cipher.Params.IV) != aes.BlockSize {
		return fmt.Errorf("%w: iv of %d bytes, want %d", ErrInvalidKeystore, len(c.Cipher.Params.IV), aes.BlockSize)
	}
	if len(c.Cipher.Message) == 0 {
		return fmt.Errorf("%w: no ciphertext", ErrInvalidKeystore)
	}
	return nil
}

// NormalizePassword is EIP-2335's password processing: NFKD, then the control codes removed, as UTF-8 bytes.
func NormalizePassword(password string) []byte {
	normalized := norm.NFKD.String(password)
	out := make([]byte, 0, len(normalized))
	for _, r := range normalized {
		if r <= 0x1f || (r >= 0x7f && r <= 0x9f) {
			continue
		}
		out = append(out, string(r)...)
	}
	return out
}

// deriveKey runs the keystore's KDF over the normalized password.
func (c *Crypto) deriveKey(password []byte) ([]byte, error) {
	p := c.KDF.Params
	switch c.KDF.Function {
	case KDFScrypt:
		key, err := scrypt.Key(password, p.Salt, p.N, p.R, p.P, p.DKLen)
		if err != nil {
			return nil, fmt.Errorf("%w: scrypt: %w", ErrInvalidKeystore, err)
		}
		return key, nil
	case KDFPBKDF2:
		key, err := pbkdf2.Key(sha256.New, string(password), p.Salt, p.C, p.DKLen)
		if err != nil {
			return nil, fmt.Errorf("%w: pbkdf2: %w", ErrInvalidKeystore, err)
		}
		return key, nil
	}
	return nil, fmt.Errorf("%w: kdf %q", ErrUnsupported, c.KDF.Function)
}

func checksum(decryptionKey, ciphertext []byte) []byte {
	h := sha256.New()
	h.Write(decryptionKey[16:32])
	h.Write(ciphertext)
	return h.Sum(nil)
}

func aesCTR(key, iv, in []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(in))
	cipher.NewCTR(block, iv).XORKeyStream(out, in)
	return out, nil
}

// Decrypt returns the keystore's secret: the derived key's checksum must match (else ErrWrongPassword) before
// anything is decrypted.
func (k *Keystore) Decrypt(password string) ([]byte, error) {
	if err := k.Crypto.check(); err != nil {
		return nil, err
	}
	decryptionKey, err := k.Crypto.deriveKey(NormalizePassword(password))
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(checksum(decryptionKey, k.Crypto.Cipher.Message), k.Crypto.Checksum.Message) != 1 {
		return nil, ErrWrongPassword
	}
	secret, err := aesCTR(decryptionKey[:16], k.Crypto.Cipher.Params.IV, k.Crypto.Cipher.Message)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKeystore, err)
	}
	return secret, nil
}

// SecretKey decrypts the keystore and returns its BLS secret key, checked against the keystore's pubkey when it
// has one.
func (k *Keystore) SecretKey(password string) (*bls.SecretKey, error) {
	secret, err := k.Decrypt(password)
	if err != nil {
		return nil, err
	}
	defer clear(secret)
	sk, err := bls.SecretKeyFromBytes(secret)
	if err != nil {
		return nil, fmt.Errorf("%w: secret: %w", ErrInvalidKeystore, err)
	}
	if len(k.Pubkey) > 0 {
		if pk := sk.PublicKey().Bytes(); string(pk[:]) != string(k.Pubkey) {
			sk.Zeroize()
			return nil, fmt.Errorf("%w: the secret's pubkey is %#x, the keystore says %#x", ErrPubkeyMismatch, pk, []byte(k.Pubkey))
		}
	}
	return sk, nil
}

// EncryptOptions choose the KDF of Encrypt and its cost. The zero value is scrypt with EIP-2335's parameters
// (n = 2^18, r = 8, p = 1), 256 MiB and about a second per key.
type EncryptOptions struct {
	KDF string // KDFScrypt (default) or KDFPBKDF2
	// ScryptN is scrypt's n (default 2^18); PBKDF2Rounds is PBKDF2's c (default 2^18). Lower them only for tests.
	ScryptN      int
	PBKDF2Rounds int
	Description  string
	Path         string // the key's EIP-2334 derivation path, "" if none
}

// Encrypt returns a keystore of secret (a 32-byte BLS secret key) under password, with a fresh random salt, IV and
// UUID.
func Encrypt(secret []byte, password string, opts EncryptOptions) (*Keystore, error) {
	sk, err := bls.SecretKeyFromBytes(secret)
	if err != nil {
		return nil, fmt.Errorf("encrypt keystore: %w", err)
	}
	pubkey := sk.PublicKey().Bytes()
	sk.Zeroize()

	salt, iv, id := make([]byte, 32), make([]byte, aes.BlockSize), make([]byte, 16)
	for _, b := range [][]byte{salt, iv, id} {
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("encrypt keystore: %w", err)
		}
	}
	k := &Keystore{Description: opts.Description, Pubkey: pubkey[:], Path: opts.Path, UUID: uuidV4(id), Version: Version}
	params := KDFParams{DKLen: 32, Salt: salt}
	switch opts.KDF {
	case "", KDFScrypt:
		params.N, params.R, params.P = 1<<18, 8, 1
		if opts.ScryptN != 0 {
			params.N = opts.ScryptN
		}
		k.Crypto.KDF = KDFModule{Function: KDFScrypt, Params: params, Message: hexData{}}
	case KDFPBKDF2:
		params.C, params.PRF = 1<<18, prfHMACSHA256
		if opts.PBKDF2Rounds != 0 {
			params.C = opts.PBKDF2Rounds
		}
		k.Crypto.KDF = KDFModule{Function: KDFPBKDF2, Params: params, Message: hexData{}}
	default:
		return nil, fmt.Errorf("encrypt keystore: %w: kdf %q", ErrUnsupported, opts.KDF)
	}
	k.Crypto.Cipher = CipherModule{Function: cipherAES128CTR, Params: CipherParams{IV: iv}}
	k.Crypto.Checksum = ChecksumModule{Function: checksumSHA256, Params: map[string]any{}}
	// Only the cost bounds are checked here; the checksum and ciphertext are filled in below.
	k.Crypto.Checksum.Message = make(hexData, sha256.Size)
	k.Crypto.Cipher.Message = hexData{0}
	if err := k.Crypto.check(); err != nil {
		return nil, fmt.Errorf("encrypt keystore: %w", err)
	}

	decryptionKey, err := k.Crypto.deriveKey(NormalizePassword(password))
	if err != nil {
		return nil, fmt.Errorf("encrypt keystore: %w", err)
	}
	if k.Crypto.Cipher.Message, err = aesCTR(decryptionKey[:16], iv, secret); err != nil {
		return nil, fmt.Errorf("encrypt keystore: %w", err)
	}
	k.Crypto.Checksum.Message = checksum(decryptionKey, k.Crypto.Cipher.Message)
	return k, nil
}

// uuidV4 formats 16 random bytes as an RFC 4122 version 4 UUID.
func uuidV4(b []byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
