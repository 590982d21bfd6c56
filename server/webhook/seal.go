package webhook

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/penguinmails/pmdev/server/store"
)

// sealer encrypts webhook secrets at rest. The key lives in a file next to
// the database (mode 0600), or is given by the operator, so a copy of the
// database alone reveals nothing.
type sealer struct{ aead cipher.AEAD }

// KeySize is the length of the sealing key (AES-256).
const KeySize = 32

// ErrSealingKey is what every KeyError is (errors.Is).
var ErrSealingKey = errors.New("webhook sealing key")

// KeyError says the sealing key cannot open the secrets the database holds:
// the key file is missing although sealed secrets exist, or the key is not
// the one they were sealed with.
type KeyError struct {
	Missing    bool // the key file does not exist
	Endpoints  int  // endpoints with a sealed secret
	Unreadable int  // of those, how many the key does not open
}

func (e *KeyError) Error() string {
	if e.Missing {
		return fmt.Sprintf("webhook sealing key missing: %d webhook endpoint(s) have secrets sealed with it", e.Endpoints)
	}
	return fmt.Sprintf("wrong webhook sealing key: it does not open the secrets of %d of %d webhook endpoint(s)", e.Unreadable, e.Endpoints)
}

func (e *KeyError) Is(target error) bool { return target == ErrSealingKey }

// ParseKey reads a key as stored in a key file or given by the operator:
// 64 hexadecimal digits, surrounding space ignored.
func ParseKey(s string) ([]byte, error) {
	k, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(k) != KeySize {
		return nil, fmt.Errorf("a webhook key is %d hexadecimal digits (e.g. from `openssl rand -hex %d`)", 2*KeySize, KeySize)
	}
	return k, nil
}

// NewKey returns a random sealing key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return k
}

// WriteKeyFile writes key to path (mode 0600) through a temporary file, so
// the file is never seen half written.
func WriteKeyFile(path string, key []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// openSealer loads the key cfg names and checks it opens every sealed
// secret in the database. A missing key file is created only while the
// database holds no sealed secret: otherwise starting with a new key would
// leave every endpoint unable to sign.
func openSealer(ctx context.Context, db *sql.DB, cfg Config) (*sealer, error) {
	var s *sealer
	var err error
	switch {
	case len(cfg.Key) > 0:
		if len(cfg.Key) != KeySize {
			return nil, fmt.Errorf("webhook key: want %d bytes, got %d", KeySize, len(cfg.Key))
		}
		s, err = newSealer(cfg.Key)
	case cfg.KeyFile == "":
		s, err = loadSealer("")
	default:
		if _, serr := os.Stat(cfg.KeyFile); errors.Is(serr, os.ErrNotExist) {
			var n int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhooks`).Scan(&n); err != nil {
				return nil, err
			}
			if n > 0 {
				return nil, &KeyError{Missing: true, Endpoints: n}
			}
		}
		s, err = loadSealer(cfg.KeyFile)
	}
	if err != nil {
		return nil, err
	}
	return s, s.check(ctx, db)
}

// check opens every current secret; it fails with a KeyError when any does not open.
func (s *sealer) check(ctx context.Context, db *sql.DB) error {
	type row struct {
		id     string
		sealed []byte
	}
	rows, err := store.QueryAll(ctx, db, `SELECT id, secret_sealed FROM webhooks`, nil, func(sc store.Scanner) (row, error) {
		var r row
		err := sc.Scan(&r.id, &r.sealed)
		return r, err
	})
	if err != nil {
		return err
	}
	bad := 0
	for _, r := range rows {
		if _, err := s.open(r.id, r.sealed); err != nil {
			bad++
		}
	}
	if bad > 0 {
		return &KeyError{Endpoints: len(rows), Unreadable: bad}
	}
	return nil
}

// loadSealer reads the key file at path, creating it with a new key when
// missing. An empty path gives a key that lives only in memory.
func loadSealer(path string) (*sealer, error) {
	key := make([]byte, 32)
	if path == "" {
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		return newSealer(key)
	}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		k, derr := ParseKey(string(b))
		if derr != nil {
			return nil, fmt.Errorf("webhook key file %s is corrupt: %v", path, derr)
		}
		return newSealer(k)
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("read webhook key file: %w", err)
	}
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return loadSealer(path) // another process created it first
	}
	if err != nil {
		return nil, fmt.Errorf("create webhook key file: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return newSealer(key)
}

func newSealer(key []byte) (*sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// seal binds the ciphertext to the webhook id so sealed secrets cannot be swapped between rows.
func (s *sealer) seal(id, secret string) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return s.aead.Seal(nonce, nonce, []byte(secret), []byte(id))
}

func (s *sealer) open(id string, sealed []byte) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("sealed secret too short")
	}
	pt, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(id))
	if err != nil {
		return "", errors.New("cannot unseal webhook secret (wrong sealing key)")
	}
	return string(pt), nil
}

// CheckKey reports whether the key cfg names (Key, else KeyFile) opens
// every sealed secret in db: nil, a *KeyError, or another failure.
func CheckKey(ctx context.Context, db *sql.DB, cfg Config) error {
	_, err := openSealer(ctx, db, cfg)
	return err
}
