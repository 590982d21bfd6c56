package server

import (
	"bytes"
	"context"
	"crypto/rsa"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/penguinmails/pmdev/models"
)

// SSHKey is one registered public key of a user.
type SSHKey struct {
	Fingerprint string // SHA256:… (ssh-keygen -l form)
	Email       string
	Type        string
	Comment     string
	CreatedAt   time.Time
	LastUsed    *time.Time
}

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

// storeSSHKeys registers keys (file contents) for userID inside AddUser's transaction.
func (s *Server) storeSSHKeys(ctx context.Context, tx *sql.Tx, userID string, keys [][]byte) error {
	for _, data := range keys {
		parsed, err := ParseSSHKeys(data)
		if err != nil {
			return fmt.Errorf("ssh key: %w", err)
		}
		for _, p := range parsed {
			if err := insertSSHKey(ctx, tx, userID, p, s.now()); err != nil {
				return err
			}
		}
	}
	return nil
}

// insertSSHKey adds p to userID; re-adding the same key to the same user is a no-op.
func insertSSHKey(ctx context.Context, tx *sql.Tx, userID string, p ParsedSSHKey, now time.Time) error {
	fp := p.Fingerprint()
	var owner string
	err := tx.QueryRowContext(ctx, `SELECT user_id FROM ssh_keys WHERE fingerprint = ?`, fp).Scan(&owner)
	switch {
	case err == nil && owner == userID:
		return nil
	case err == nil:
		return fmt.Errorf("ssh key %s already belongs to another user", fp)
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	pub := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(p.Key)))
	_, err = tx.ExecContext(ctx, `INSERT INTO ssh_keys(fingerprint, user_id, key_type, public_key, comment, created_at) VALUES (?,?,?,?,?,?)`,
		fp, userID, p.Key.Type(), pub, p.Comment, ms(now))
	return err
}

// AddSSHKey registers the public key(s) in authorizedKeys for an existing user.
func (s *Server) AddSSHKey(ctx context.Context, email string, authorizedKeys []byte) ([]SSHKey, error) {
	parsed, err := ParseSSHKeys(authorizedKeys)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var userID string
	if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, email).Scan(&userID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("no user %s", email)
		}
		return nil, err
	}
	now := s.now()
	out := make([]SSHKey, 0, len(parsed))
	for _, p := range parsed {
		if err := insertSSHKey(ctx, tx, userID, p, now); err != nil {
			return nil, err
		}
		out = append(out, SSHKey{Fingerprint: p.Fingerprint(), Email: email, Type: p.Key.Type(), Comment: p.Comment, CreatedAt: now})
	}
	return out, tx.Commit()
}

// ListSSHKeys lists registered keys, of one user when email is set, oldest first.
func (s *Server) ListSSHKeys(ctx context.Context, email string) ([]SSHKey, error) {
	q := `SELECT k.fingerprint, u.email, k.key_type, k.comment, k.created_at, k.last_used
		FROM ssh_keys k JOIN users u ON u.id = k.user_id`
	var args []any
	if email != "" {
		q += ` WHERE u.email = ?`
		args = append(args, email)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY u.email, k.created_at, k.rowid`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SSHKey
	for rows.Next() {
		var k SSHKey
		var created int64
		var used sql.NullInt64
		if err := rows.Scan(&k.Fingerprint, &k.Email, &k.Type, &k.Comment, &created, &used); err != nil {
			return nil, err
		}
		k.CreatedAt = fromMS(created)
		k.LastUsed = nullMS(used)
		out = append(out, k)
	}
	return out, rows.Err()
}

// RemoveSSHKey deletes a key by fingerprint (SHA256:…); sessions already
// open keep running until they end, new ones are refused.
func (s *Server) RemoveSSHKey(ctx context.Context, fingerprint string) (SSHKey, error) {
	keys, err := s.ListSSHKeys(ctx, "")
	if err != nil {
		return SSHKey{}, err
	}
	for _, k := range keys {
		if k.Fingerprint == fingerprint {
			if _, err := s.db.ExecContext(ctx, `DELETE FROM ssh_keys WHERE fingerprint = ?`, fingerprint); err != nil {
				return SSHKey{}, err
			}
			return k, nil
		}
	}
	return SSHKey{}, fmt.Errorf("%w: %s", ErrSSHKeyNotFound, fingerprint)
}

// UserBySSHKey returns the identity owning the key with this fingerprint.
// ErrSSHKeyNotFound means the key is unknown.
func (s *Server) UserBySSHKey(ctx context.Context, fingerprint string) (models.Me, error) {
	var me models.Me
	var created int64
	var plan string
	err := s.db.QueryRowContext(ctx, `SELECT u.id, u.email, u.role, u.created_at, t.id, t.name, t.plan
		FROM ssh_keys k JOIN users u ON u.id = k.user_id JOIN tenants t ON t.id = u.tenant_id
		WHERE k.fingerprint = ?`, fingerprint).Scan(&me.UserID, &me.Email, &me.Role, &created, &me.Tenant.ID, &me.Tenant.Name, &plan)
	if errors.Is(err, sql.ErrNoRows) {
		return models.Me{}, ErrSSHKeyNotFound
	}
	if err != nil {
		return models.Me{}, err
	}
	me.CreatedAt = fromMS(created)
	me.Tenant.Plan, _ = models.PlanByName(plan)
	me.CanManageKeys = models.CanManageKeys(me.Role)
	me.CanGrantAdmin = me.Role == models.RoleAdmin
	return me, nil
}

// TouchSSHKey records that the key opened a session. (Not done by
// UserBySSHKey: SSH clients ask about keys they never prove they hold.)
func (s *Server) TouchSSHKey(ctx context.Context, fingerprint string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE ssh_keys SET last_used = ? WHERE fingerprint = ?`, ms(s.now()), fingerprint)
	return err
}
