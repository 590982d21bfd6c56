package server

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/server/internal/servertest"
	"github.com/penguinmails/pmdev/server/testkit"

	gossh "golang.org/x/crypto/ssh"

	"github.com/penguinmails/pmdev/models"
)

// sshTestKey is a fresh authorized_keys line ending in comment, and its fingerprint.
func sshTestKey(t *testing.T, comment string) ([]byte, string) {
	k := testkit.NewSSHKey(t, comment)
	return k.Line, k.FP
}

func TestSSHKeysLifecycle(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{DBPath: servertest.DB(t, "pm.db"), WebhookKey: servertest.WebhookKey()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	k1, fp1 := sshTestKey(t, "alice@laptop")
	k2, fp2 := sshTestKey(t, "alice@desk")
	if _, err := s.AddUser(ctx, NewUser{Email: "alice@acme.test", Role: models.RoleMember, Tenant: "Acme", SSHKeys: [][]byte{k1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddUser(ctx, NewUser{Email: "bob@acme.test", Role: models.RoleAdmin, Tenant: "Acme"}); err != nil {
		t.Fatal(err)
	}
	me, err := s.UserBySSHKey(ctx, fp1)
	if err != nil || me.Email != "alice@acme.test" || me.Role != models.RoleMember || me.CanManageKeys || me.Tenant.Name != "Acme" {
		t.Fatalf("UserBySSHKey = %+v, %v", me, err)
	}
	if err := s.TouchSSHKey(ctx, fp1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddSSHKey(ctx, "alice@acme.test", k2); err != nil {
		t.Fatal(err)
	}
	// Re-adding to the owner is a no-op; giving it to someone else is refused.
	if _, err := s.AddSSHKey(ctx, "alice@acme.test", k2); err != nil {
		t.Fatalf("re-add: %v", err)
	}
	if _, err := s.AddSSHKey(ctx, "bob@acme.test", k1); err == nil || !strings.Contains(err.Error(), "another user") {
		t.Fatalf("stealing a key: %v", err)
	}
	keys, err := s.ListSSHKeys(ctx, "alice@acme.test")
	if err != nil || len(keys) != 2 {
		t.Fatalf("list = %+v, %v", keys, err)
	}
	if keys[0].Fingerprint != fp1 || keys[0].LastUsed == nil || keys[1].LastUsed != nil || keys[1].Comment != "alice@desk" {
		t.Fatalf("list details = %+v", keys)
	}
	if _, err := s.RemoveSSHKey(ctx, fp1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserBySSHKey(ctx, fp1); !errors.Is(err, ErrSSHKeyNotFound) {
		t.Fatalf("removed key still resolves: %v", err)
	}
	if _, err := s.RemoveSSHKey(ctx, fp1); !errors.Is(err, ErrSSHKeyNotFound) {
		t.Fatalf("second remove: %v", err)
	}
	if me, err := s.UserBySSHKey(ctx, fp2); err != nil || me.Email != "alice@acme.test" {
		t.Fatalf("other key: %+v %v", me, err)
	}
}

func TestParseSSHKeysRefusesWeakAndGarbage(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	weak, err := gossh.NewPublicKey(&rk.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct{ in, want string }{
		"empty":    {"\n# only a comment\n", "no public key"},
		"garbage":  {"ssh-ed25519 not-base64", "not an OpenSSH public key"},
		"weak rsa": {string(gossh.MarshalAuthorizedKey(weak)), "at least 2048 bits"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseSSHKeys([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
	good, _ := sshTestKey(t, "c")
	two := append(append([]byte("# keys\n"), good...), good...)
	if keys, err := ParseSSHKeys(two); err != nil || len(keys) != 2 {
		t.Fatalf("two lines: %d keys, %v", len(keys), err)
	}
}

// FuzzParseSSHKeys: arbitrary key files never panic, and accepted keys have fingerprints.
func FuzzParseSSHKeys(f *testing.F) {
	f.Add([]byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk7DNWzOqeRfPEDcZC9pnBMd0W5jXiZ5U5eHMaRmSbJ c\n"))
	f.Add([]byte("# x\n\nssh-rsa AAAA"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParseSSHKeys(data)
		if err != nil {
			return
		}
		for _, k := range keys {
			if !strings.HasPrefix(k.Fingerprint(), "SHA256:") {
				t.Fatalf("fingerprint %q", k.Fingerprint())
			}
		}
	})
}
