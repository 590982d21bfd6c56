package webhook

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// sealer encrypts webhook secrets at rest. The key lives in a file next to
// the database (mode 0600), so a copy of the database alone reveals nothing.
type sealer struct{ aead cipher.AEAD }

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
		k, derr := hex.DecodeString(strings.TrimSpace(string(b)))
		if derr != nil || len(k) != 32 {
			return nil, fmt.Errorf("webhook key file %s is corrupt", path)
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
		return "", errors.New("cannot unseal webhook secret (wrong or missing key file)")
	}
	return string(pt), nil
}
