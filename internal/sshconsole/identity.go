package sshconsole

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/penguinmails/pmdev/internal/privfile"
	"github.com/penguinmails/pmdev/models"
)

// Directory is what the SSH console needs of a user store (the reference
// server's, through an adapter): who owns a key, a short-lived token for
// that user, and a note that the key was used.
type Directory interface {
	// UserBySSHKey returns the owner of the key with this SHA256
	// fingerprint, or an error wrapping ErrUnknownKey.
	UserBySSHKey(ctx context.Context, fingerprint string) (models.Me, error)
	MintToken(ctx context.Context, email string, ttl time.Duration) (string, error)
	TouchSSHKey(ctx context.Context, fingerprint string) error
}

// DirectoryResolver signs each key in as the user it was registered for,
// with a token minted per session (lifetime ttl, renewed before expiry;
// 0 means the default of 15 minutes).
func DirectoryResolver(d Directory, ttl time.Duration) Resolver {
	if ttl <= 0 {
		ttl = defaultTokenTTL
	}
	return &directoryResolver{dir: d, ttl: ttl}
}

type directoryResolver struct {
	dir Directory
	ttl time.Duration
}

func (r *directoryResolver) Resolve(ctx context.Context, key gossh.PublicKey) (*Identity, error) {
	if key == nil {
		return nil, ErrUnknownKey
	}
	fp := gossh.FingerprintSHA256(key)
	me, err := r.dir.UserBySSHKey(ctx, fp)
	if err != nil {
		return nil, err
	}
	email := me.Email
	mint := &mintedToken{ttl: r.ttl, mint: func(ctx context.Context, ttl time.Duration) (string, error) {
		return r.dir.MintToken(ctx, email, ttl)
	}}
	return &Identity{Name: me.Email, Holder: me.Email, Fingerprint: fp, Token: mint.Token, Me: &me,
		Opened: func(ctx context.Context) error { return r.dir.TouchSSHKey(ctx, fp) }}, nil
}

// mintedToken hands out one minted token and replaces it when a third of
// its lifetime is left, so a long session never meets an expired credential.
type mintedToken struct {
	ttl  time.Duration
	mint func(ctx context.Context, ttl time.Duration) (string, error)

	mu      sync.Mutex
	token   string
	renewAt time.Time
}

// Token implements client.TokenSource.
func (m *mintedToken) Token(ctx context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if m.token != "" && now.Before(m.renewAt) {
		return m.token, nil
	}
	tok, err := m.mint(ctx, m.ttl)
	if err != nil {
		if m.token != "" && now.Before(m.renewAt.Add(m.ttl/3)) {
			return m.token, nil // the old one is still valid; try again next call
		}
		return "", fmt.Errorf("mint session token: %w", err)
	}
	m.token, m.renewAt = tok, now.Add(m.ttl*2/3)
	return tok, nil
}

// LoadOrCreateHostKey reads the ed25519 host key at path, creating it (0600,
// directory 0700) on first start so clients' known_hosts stays valid.
func LoadOrCreateHostKey(path string) (gossh.Signer, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if data, err = writeHostKey(path); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("ssh host key: %w", err)
	} else if err := privfile.Check(path, "ssh host key"); err != nil {
		return nil, err
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("ssh host key %s: %w", path, err)
	}
	return signer, nil
}

func writeHostKey(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("ssh host key dir: %w", err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := gossh.MarshalPrivateKey(priv, "pmdev ssh host key")
	if err != nil {
		return nil, err
	}
	data := pem.EncodeToMemory(block)
	// O_EXCL: two processes starting at once must not overwrite each other's key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return os.ReadFile(path)
		}
		return nil, fmt.Errorf("ssh host key: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("ssh host key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("ssh host key: %w", err)
	}
	sshPub, err := gossh.NewPublicKey(pub)
	if err == nil {
		_ = os.WriteFile(path+".pub", gossh.MarshalAuthorizedKey(sshPub), 0o644)
	}
	return data, nil
}
