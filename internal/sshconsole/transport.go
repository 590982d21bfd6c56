package sshconsole

import (
	"context"
	"net"
	"strings"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Algorithms offered, modern only (what ssh-audit and OpenSSH's own
// defaults agree on): hybrid post-quantum and X25519 key exchange, AEAD
// ciphers, encrypt-then-MAC SHA-2 MACs. No NIST-curve ECDH, no SHA-1, no
// encrypt-and-MAC. Strict key exchange (Terrapin) is always on in x/crypto;
// curve25519-sha256@libssh.org is added by x/crypto with curve25519-sha256.
// The host key is ed25519 only. Any OpenSSH since 6.5 connects.
var (
	sshKeyExchanges = []string{gossh.KeyExchangeMLKEM768X25519, gossh.KeyExchangeCurve25519}
	sshCiphers      = []string{gossh.CipherChaCha20Poly1305, gossh.CipherAES256GCM, gossh.CipherAES128GCM}
	sshMACs         = []string{gossh.HMACSHA256ETM, gossh.HMACSHA512ETM}
	// Client key signatures: no ssh-rsa (SHA-1) and no DSA, as sshd since 8.8.
	sshPublicKeyAlgorithms = []string{
		gossh.KeyAlgoED25519, gossh.KeyAlgoSKED25519,
		gossh.KeyAlgoECDSA256, gossh.KeyAlgoECDSA384, gossh.KeyAlgoECDSA521, gossh.KeyAlgoSKECDSA256,
		gossh.KeyAlgoRSASHA256, gossh.KeyAlgoRSASHA512,
	}
)

// serverConfig is the transport configuration of one connection: the
// algorithms above, an auth log that remembers refused methods and the
// login name, and the sign-in hook that takes the connection's slot.
func (s *Service) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	st := connFrom(ctx)
	cfg := &gossh.ServerConfig{
		Config:                  gossh.Config{KeyExchanges: sshKeyExchanges, Ciphers: sshCiphers, MACs: sshMACs},
		PublicKeyAuthAlgorithms: sshPublicKeyAlgorithms,
	}
	if st == nil {
		return cfg
	}
	cfg.AuthLogCallback = func(meta gossh.ConnMetadata, method string, _ error) {
		st.noteAuth(meta.User(), method)
	}
	// Runs once the client proved it holds the key: only then does the
	// connection count against the caps (a public key alone proves nothing).
	cfg.VerifiedPublicKeyCallback = func(_ gossh.ConnMetadata, key gossh.PublicKey, perms *gossh.Permissions, _ string) (*gossh.Permissions, error) {
		id, err := s.resolver.Resolve(ctx, key)
		if err != nil {
			return nil, err
		}
		st.signedIn(s.limits, id)
		return perms, nil
	}
	return cfg
}

// connOpened registers a new TCP connection; nil closes it (too many are
// still signing in).
func (s *Service) connOpened(ctx ssh.Context, nc net.Conn) net.Conn {
	st := &connState{remote: nc.RemoteAddr().String(), nc: nc}
	if !s.conns.add(st) {
		s.audit.refused("", "", "", st.remote, "max_startups")
		return nil
	}
	ctx.SetValue(connKey{}, st)
	return nc
}

// connClosed gives the connection's slots back.
func (s *Service) connClosed(nc net.Conn) {
	if st := s.conns.remove(nc.RemoteAddr().String()); st != nil {
		st.release()
	}
}

// connectionFailed audits a handshake that did not sign in: one record per
// refused method tried (password, keyboard-interactive), one for the
// unknown keys offered, or why nothing was.
func (s *Service) connectionFailed(nc net.Conn, err error) {
	remote := nc.RemoteAddr().String()
	st := s.conns.remove(remote)
	if st == nil {
		return
	}
	st.release()
	st.mu.Lock()
	user, tried, offered, authTried := st.user, st.tried, st.offered, st.authTried
	st.mu.Unlock()
	for _, reason := range tried {
		s.audit.refused("", user, "", remote, reason)
	}
	switch {
	case len(offered) > 0:
		s.audit.refused("", user, strings.Join(offered, ","), remote, "unknown_key")
	case len(tried) > 0:
	case authTried:
		s.audit.refused("", user, "", remote, "no_public_key")
	default:
		// No sign-in attempt: algorithm mismatch, scanner, handshake timeout.
		s.audit.refused("", user, "", remote, "handshake")
	}
	s.log.Debug("ssh handshake failed", "remote", remote, "err", err)
}

// closeIdleConns closes signed-in connections that have had no console for
// the idle timeout (sooner when they found the service full), until ctx ends.
func (s *Service) closeIdleConns(ctx context.Context) {
	every := time.Second
	if s.opts.IdleTimeout > 0 {
		every = min(every, max(s.opts.IdleTimeout/10, 10*time.Millisecond))
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			for _, c := range s.conns.all() {
				if c.idleFor(now, s.opts.IdleTimeout) {
					s.log.Info("ssh connection closed: no session", "remote", c.remote)
					_ = c.nc.Close()
				}
			}
		}
	}
}
