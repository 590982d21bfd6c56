package sshconsole

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/internal/privfile"
)

// gatewayProfile is one named credential of the gateway's identities file.
type gatewayProfile struct {
	Name   string
	Source string // "env:NAME" or "file:/path", for messages (never the token)
	token  string
}

// gatewayKey is one authorized key line.
type gatewayKey struct {
	Fingerprint string
	Comment     string
	Profile     *gatewayProfile
}

// GatewayIdentities maps authorized keys to profiles. Tokens are read at
// start and on reload (SIGHUP); a failed reload keeps the previous set.
type GatewayIdentities struct {
	path   string
	getenv func(string) string
	keys   atomic.Pointer[map[string]gatewayKey] // by SHA256 fingerprint
}

func (g *GatewayIdentities) Resolve(_ context.Context, key gossh.PublicKey) (*Identity, error) {
	if key == nil {
		return nil, ErrUnknownKey
	}
	k, ok := (*g.keys.Load())[gossh.FingerprintSHA256(key)]
	if !ok {
		return nil, ErrUnknownKey
	}
	tok := k.Profile.token
	// Many people may share a profile; each key is one person for the cap.
	return &Identity{Name: k.Profile.Name, Holder: k.Fingerprint, Fingerprint: k.Fingerprint,
		Token: func(context.Context) (string, error) { return tok, nil }}, nil
}

// LoadGatewayIdentities reads an authorized_keys-syntax file whose lines carry
// profile="name" and token-env="VAR" or token-file="/path". It refuses files
// (the identities file and every token file) that group or others can read.
// getenv is os.Getenv outside tests.
func LoadGatewayIdentities(path string, getenv func(string) string) (*GatewayIdentities, error) {
	g := &GatewayIdentities{path: path, getenv: getenv}
	if _, err := g.Reload(); err != nil {
		return nil, err
	}
	return g, nil
}

// reload reads the file again and swaps the key set in; it returns the number of keys.
func (g *GatewayIdentities) Reload() (int, error) {
	keys, err := parseGatewayIdentities(g.path, g.getenv)
	if err != nil {
		return 0, err
	}
	g.keys.Store(&keys)
	return len(keys), nil
}

// profiles lists each profile once.
func (g *GatewayIdentities) profiles() []*gatewayProfile {
	seen := map[*gatewayProfile]bool{}
	var out []*gatewayProfile
	for _, k := range *g.keys.Load() {
		if !seen[k.Profile] {
			seen[k.Profile] = true
			out = append(out, k.Profile)
		}
	}
	return out
}

func parseGatewayIdentities(path string, getenv func(string) string) (map[string]gatewayKey, error) {
	if err := privfile.Check(path, "identities file"); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("identities file: %w", err)
	}
	return parseIdentities(data, path, getenv)
}

// parseIdentities parses the identities file's content (path is for messages).
func parseIdentities(data []byte, path string, getenv func(string) string) (map[string]gatewayKey, error) {
	keys := map[string]gatewayKey{}
	profiles := map[string]*gatewayProfile{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where := fmt.Sprintf("%s:%d", path, lineNo)
		pk, comment, options, _, err := gossh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return nil, fmt.Errorf("%s: not an authorized_keys line (options key-type base64 [comment])", where)
		}
		opts, err := parseKeyOptions(options)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		name := opts["profile"]
		if name == "" {
			return nil, fmt.Errorf(`%s: missing profile="name" option`, where)
		}
		source, err := tokenSourceOf(opts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		p := profiles[name]
		switch {
		case p == nil:
			tok, err := readGatewayToken(source, getenv)
			if err != nil {
				return nil, fmt.Errorf("%s: profile %q: %w", where, name, err)
			}
			p = &gatewayProfile{Name: name, Source: source, token: tok}
			profiles[name] = p
		case p.Source != source:
			return nil, fmt.Errorf("%s: profile %q already uses %s", where, name, p.Source)
		}
		fp := gossh.FingerprintSHA256(pk)
		if prev, dup := keys[fp]; dup {
			return nil, fmt.Errorf("%s: key %s is already mapped to profile %q", where, fp, prev.Profile.Name)
		}
		keys[fp] = gatewayKey{Fingerprint: fp, Comment: comment, Profile: p}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("identities file: %w", err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("identities file %s has no keys", path)
	}
	return keys, nil
}

// parseKeyOptions splits authorized_keys options (name="value" or flags).
func parseKeyOptions(options []string) (map[string]string, error) {
	out := map[string]string{}
	for _, o := range options {
		name, val, hasVal := strings.Cut(o, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		switch name {
		case "profile", "token-env", "token-file":
		default:
			// Unknown options (from=, command=, …) are refused rather than ignored,
			// so nobody believes a restriction is enforced when it is not.
			return nil, fmt.Errorf("unsupported option %q (use profile, token-env, token-file)", name)
		}
		if !hasVal {
			return nil, fmt.Errorf("option %s needs a value", name)
		}
		v, err := unquoteOption(val)
		if err != nil {
			return nil, fmt.Errorf("option %s: %w", name, err)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("option %s given twice", name)
		}
		out[name] = v
	}
	return out, nil
}

func unquoteOption(v string) (string, error) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", fmt.Errorf(`value must be double-quoted`)
	}
	return strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`), nil
}

func tokenSourceOf(opts map[string]string) (string, error) {
	env, file := opts["token-env"], opts["token-file"]
	switch {
	case env != "" && file != "":
		return "", fmt.Errorf("give token-env or token-file, not both")
	case env != "":
		return "env:" + env, nil
	case file != "":
		return "file:" + file, nil
	}
	return "", fmt.Errorf(`missing token-env="VAR" or token-file="/path" option`)
}

func readGatewayToken(source string, getenv func(string) string) (string, error) {
	kind, ref, _ := strings.Cut(source, ":")
	var tok string
	switch kind {
	case "env":
		tok = strings.TrimSpace(getenv(ref))
		if tok == "" {
			return "", fmt.Errorf("environment variable %s is empty or unset", ref)
		}
	case "file":
		if err := privfile.Check(ref, "token file"); err != nil {
			return "", err
		}
		b, err := os.ReadFile(ref)
		if err != nil {
			return "", fmt.Errorf("token file: %w", err)
		}
		tok = strings.TrimSpace(string(b))
		if tok == "" {
			return "", fmt.Errorf("token file %s is empty", ref)
		}
	}
	if strings.ContainsAny(tok, " \t\r\n") {
		return "", fmt.Errorf("token from %s contains whitespace", source)
	}
	return tok, nil
}

// Len is the number of authorized keys.
func (g *GatewayIdentities) Len() int { return len(*g.keys.Load()) }

// CheckProfiles tells the operator at start which profile tokens the API
// accepts, so a typo shows in the log rather than at a user's login.
func (g *GatewayIdentities) CheckProfiles(ctx context.Context, apiURL string, log *slog.Logger) {
	for _, p := range g.profiles() {
		tok := p.token
		c := client.New(client.Options{BaseURL: apiURL, UserAgent: "pmdev-ssh", RetryCount: -1,
			Transport: &client.AuthTransport{Token: func(context.Context) (string, error) { return tok, nil }}})
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		me, err := c.Me(cctx)
		cancel()
		if err != nil {
			log.Warn("profile token not accepted by the API", "profile", p.Name, "source", p.Source, "err", shortAPIError(err))
			continue
		}
		log.Info("profile ok", "profile", p.Name, "user", me.Email, "role", me.Role, "tenant", me.Tenant.Name)
	}
}
