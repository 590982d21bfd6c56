package auth

import (
	"bytes"
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

// SSHKey is one registered public key of a user.
type SSHKey = store.SSHKey

// ErrSSHKeyNotFound is returned when no user owns the key.
var ErrSSHKeyNotFound = errors.New("ssh key not registered")

// minRSABits keeps weak RSA keys out; DSA is refused outright.
const minRSABits = 2048

// ParseSSHKeys reads every public key in data (one key file or an
// authorized_keys-style list; blank lines and # comments are skipped).
func ParseSSHKeys(data []byte) ([]ParsedSSHKey, error) {
	var out []ParsedSSHKey
	rest := data
	for lineNo := 1; len(bytes.TrimSpace(rest)) > 0; lineNo++ {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		pk, comment, _, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: not an OpenSSH public key", lineNo)
		}
		if err := checkKeyStrength(pk); err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
		out = append(out, ParsedSSHKey{Key: pk, Comment: comment})
	}
	if len(out) == 0 {
		return nil, errors.New("no public key found")
	}
	return out, nil
}

// ParsedSSHKey is a validated public key with its comment.
type ParsedSSHKey struct {
	Key     gossh.PublicKey
	Comment string
}

// Fingerprint is the key's SHA256 fingerprint.
func (p ParsedSSHKey) Fingerprint() string { return gossh.FingerprintSHA256(p.Key) }

func checkKeyStrength(pk gossh.PublicKey) error {
	switch pk.Type() {
	case "ssh-dss": // DSA: weak by design
		return errors.New("DSA keys are not accepted; use ed25519")
	case gossh.KeyAlgoRSA:
		ck, ok := pk.(gossh.CryptoPublicKey)
		if !ok {
			return errors.New("unreadable RSA key")
		}
		if rk, ok := ck.CryptoPublicKey().(*rsa.PublicKey); !ok || rk.N.BitLen() < minRSABits {
			return fmt.Errorf("RSA keys need at least %d bits; use ed25519", minRSABits)
		}
	}
	if _, isCert := pk.(*gossh.Certificate); isCert {
		return errors.New("certificates are not accepted; register the plain public key")
	}
	return nil
}

// addSSHKey adds p to userID; re-adding the same key to the same user is a no-op.
// addSSHKey registers p for userID; existed when the user had it already.
func (s *Service) addSSHKey(ctx context.Context, tx store.Handle, userID string, p ParsedSSHKey, now time.Time) (existed bool, err error) {
	fp := p.Fingerprint()
	owner, err := s.st.SSHKeyOwner(ctx, tx, fp)
	switch {
	case err == nil && owner == userID:
		return true, nil
	case err == nil:
		return false, fmt.Errorf("ssh key %s already belongs to another user", fp)
	case !errors.Is(err, store.ErrNotFound):
		return false, err
	}
	pub := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(p.Key)))
	return false, s.st.InsertSSHKey(ctx, tx, userID, pub, SSHKey{Fingerprint: fp, Type: p.Key.Type(), Comment: p.Comment, CreatedAt: now})
}

// AddedSSHKey is one key given to AddSSHKey.
type AddedSSHKey struct {
	SSHKey
	Existed bool // the user had it already: nothing changed
}

// AddSSHKey registers the public key(s) in authorizedKeys for an existing user.
func (s *Service) AddSSHKey(ctx context.Context, email string, authorizedKeys []byte) ([]AddedSSHKey, error) {
	parsed, err := ParseSSHKeys(authorizedKeys)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]AddedSSHKey, 0, len(parsed))
	err = store.Tx(ctx, s.db, func(tx store.Handle) error {
		userID, _, _, err := s.st.UserByEmail(ctx, tx, email)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no user %s", email)
		}
		if err != nil {
			return err
		}
		for _, p := range parsed {
			existed, err := s.addSSHKey(ctx, tx, userID, p, now)
			if err != nil {
				return err
			}
			k := SSHKey{Fingerprint: p.Fingerprint(), Email: email, Type: p.Key.Type(), Comment: p.Comment, CreatedAt: now}
			out = append(out, AddedSSHKey{k, existed})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListSSHKeys lists registered keys, of one user when email is set, oldest first.
func (s *Service) ListSSHKeys(ctx context.Context, email string) ([]SSHKey, error) {
	return s.st.ListSSHKeys(ctx, s.db, email)
}

// RemoveSSHKey deletes a key by fingerprint (SHA256:…); sessions already
// open keep running until they end, new ones are refused.
func (s *Service) RemoveSSHKey(ctx context.Context, fingerprint string) (SSHKey, error) {
	keys, err := s.ListSSHKeys(ctx, "")
	if err != nil {
		return SSHKey{}, err
	}
	for _, k := range keys {
		if k.Fingerprint == fingerprint {
			return k, s.st.DeleteSSHKey(ctx, s.db, fingerprint)
		}
	}
	return SSHKey{}, fmt.Errorf("%w: %s", ErrSSHKeyNotFound, fingerprint)
}

// UserBySSHKey returns the identity owning the key with this fingerprint.
// ErrSSHKeyNotFound means the key is unknown.
func (s *Service) UserBySSHKey(ctx context.Context, fingerprint string) (models.Me, error) {
	p, err := s.st.SSHKeyPrincipal(ctx, s.db, fingerprint)
	if errors.Is(err, store.ErrNotFound) {
		return models.Me{}, ErrSSHKeyNotFound
	}
	if err != nil {
		return models.Me{}, err
	}
	return MeOf(userOf(p)), nil
}

// TouchSSHKey records that the key opened a session. (Not done by
// UserBySSHKey: SSH clients ask about keys they never prove they hold.)
func (s *Service) TouchSSHKey(ctx context.Context, fingerprint string) error {
	return s.st.TouchSSHKey(ctx, s.db, fingerprint, s.now())
}
