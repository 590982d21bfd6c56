// Package secret makes the server's random credentials and identifiers and
// the digests under which credentials are stored (plaintexts never are).
package secret

import (
	"crypto/rand"
	"crypto/sha256"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

// Base62 returns n uniformly random base62 characters from crypto/rand.
func Base62(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic("crypto/rand: " + err.Error()) // never fails on supported platforms
		}
		for _, b := range buf {
			// 248 = 4*62: rejecting above it keeps the distribution uniform.
			if b < 248 && len(out) < n {
				out = append(out, models.Base62Alphabet[b%62])
			}
		}
	}
	return string(out)
}

// Digest is the SHA-256 a credential is stored and looked up under.
func Digest(plain string) []byte {
	d := sha256.Sum256([]byte(plain))
	return d[:]
}

// NewAPIKey returns a fresh plaintext key for env and what is stored of it.
func NewAPIKey(env string) (string, store.Secret) {
	p := models.PrefixLive
	if env == models.EnvTest {
		p = models.PrefixTest
	}
	body := p + Base62(models.KeyRandomLen)
	plain := body + models.KeyChecksum(body)
	return plain, store.Secret{Digest: Digest(plain), Head: plain[:len(p)+3], Tail: plain[len(plain)-4:]}
}

// patRandomLen is the random part of a personal access token.
const patRandomLen = 48

// NewPAT returns a fresh personal access token.
func NewPAT() string { return models.PrefixPAT + Base62(patRandomLen) }
